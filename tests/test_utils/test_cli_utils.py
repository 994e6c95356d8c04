"""mmpose_cl.utils and clpose.files as the tools use them: the argparse
types (counts and sizes), the refusal to overwrite a user's files, outputs
written through a temporary file (its folder made), MMEngine's scalars.json,
and person boxes from a detection file."""
import argparse
import json
import os

import numpy as np
import pytest

from clpose.files import atomic_output, refuse_to_overwrite

from mmpose_cl.utils import at_least, person_boxes, read_scalars


# ---- at_least ---------------------------------------------------------------


def test_values_at_and_above_the_bound_pass():
    assert at_least(1)('1') == 1 and at_least(1)('64') == 64
    assert at_least(0.5, float)('0.5') == 0.5


@pytest.mark.parametrize('parse, text, message', [
    (at_least(1), '0', 'must be >= 1, got 0'),
    (at_least(0), '-3', 'must be >= 0, got -3'),
    (at_least(1), '2.5', "expected an integer, got '2.5'"),
    (at_least(0.0, float), 'nan', 'must be >= 0.0, got nan'),
    (at_least(0.0, float), 'x', "expected a number, got 'x'"),
])
def test_bad_values_are_named(parse, text, message):
    with pytest.raises(argparse.ArgumentTypeError, match=message):
        parse(text)


def test_argparse_names_the_option(capsys):
    parser = argparse.ArgumentParser()
    parser.add_argument('--epochs', type=at_least(1))
    with pytest.raises(SystemExit):
        parser.parse_args(['--epochs', '0'])
    assert 'argument --epochs: must be >= 1, got 0' in capsys.readouterr().err


# ---- files ------------------------------------------------------------------


def test_refuse_to_overwrite(tmp_path):
    refuse_to_overwrite(str(tmp_path / 'new.png'))  # absent: fine
    refuse_to_overwrite(str(tmp_path))  # an empty folder: fine
    mine = tmp_path / 'mine.png'
    mine.write_text('keep me')
    with pytest.raises(FileExistsError,
                       match="mine.png' exists; pass --overwrite to "
                       'replace it'):
        refuse_to_overwrite(str(mine))
    with pytest.raises(FileExistsError,
                       match='exists and is not empty; choose another'):
        refuse_to_overwrite(str(tmp_path), hint='choose another')
    refuse_to_overwrite(str(mine), overwrite=True)
    assert mine.read_text() == 'keep me'


def test_atomic_output_renames_on_success_only(tmp_path):
    out = tmp_path / 'sub' / 'report.md'
    with atomic_output(str(out)) as tmp:
        assert tmp.endswith('.md') and os.path.dirname(tmp) == str(out.parent)
        with open(tmp, 'w') as f:
            f.write('new')
        assert not out.exists()  # not before the block ends
    assert out.read_text() == 'new'
    with pytest.raises(RuntimeError, match='interrupted'):
        with atomic_output(str(out)) as tmp:
            with open(tmp, 'w') as f:
                f.write('half')
            raise RuntimeError('interrupted')
    assert out.read_text() == 'new'  # the previous file, untouched
    # a file that appeared while writing is kept without overwrite
    with pytest.raises(FileExistsError, match='--overwrite'):
        with atomic_output(str(out), overwrite=False) as tmp:
            with open(tmp, 'w') as f:
                f.write('other')
    assert out.read_text() == 'new'
    assert os.listdir(out.parent) == ['report.md']  # no temporary file left


def write_scalars(folder, records):
    folder.mkdir(parents=True)
    with open(folder / 'scalars.json', 'w') as f:
        f.write(''.join(json.dumps(r) + '\n' for r in records))
    return str(folder / 'scalars.json')


def test_read_scalars_of_the_latest_run(tmp_path):
    write_scalars(tmp_path / '20260101_000000' / 'vis_data',
                  [dict(step=1, loss=9.0)])
    latest = write_scalars(
        tmp_path / '20260102_000000' / 'vis_data',
        [dict(step=1, loss=1.0, loss_heatmap=0.5), {'coco/AP': 0.3, 'step': 1},
         dict(step=2, loss=0.5, loss_heatmap=0.2)])
    train, val = read_scalars(str(tmp_path))
    assert [r['loss'] for r in train] == [1.0, 0.5]
    assert val == [{'coco/AP': 0.3, 'step': 1}]
    assert read_scalars(latest) == (train, val)
    with pytest.raises(FileNotFoundError, match='scalars.json under'):
        read_scalars(str(tmp_path / 'nothing'))


def test_read_scalars_names_a_foreign_file_and_keeps_a_cut_run(tmp_path):
    log = tmp_path / 'scalars.json'
    log.write_text('epoch 1 loss 0.5\n')  # a text log, not MMEngine's json
    with pytest.raises(ValueError, match=r'scalars.json: line 1 is not a '
                       'JSON record'):
        read_scalars(str(log))
    log.write_text('[1, 2]\n')
    with pytest.raises(ValueError, match='line 1 is not a JSON object'):
        read_scalars(str(log))
    # a run that stopped while writing its last line: the rest is kept
    log.write_text(json.dumps(dict(step=1, loss=1.0)) + '\n\n'
                   + json.dumps({'coco/AP': 0.3, 'step': 1}) + '\n{"step": 2,')
    with pytest.warns(UserWarning, match='last line is cut short'):
        train, val = read_scalars(str(log))
    assert train == [dict(step=1, loss=1.0)]
    assert val == [{'coco/AP': 0.3, 'step': 1}]
    # a broken line that is not the last is an error, not skipped
    log.write_text('{"step": 2,\n' + json.dumps(dict(step=1, loss=1.0)))
    with pytest.raises(ValueError, match='line 1 is not a JSON record'):
        read_scalars(str(log))


def test_person_boxes_from_a_detection_file(tmp_path, coco_root):
    dets = tmp_path / 'dets.json'
    dets.write_text(json.dumps([
        dict(image_id=785, bbox=[10, 20, 30, 40], score=0.9, category_id=1),
        dict(image_id=785, bbox=[0, 0, 5, 5], score=0.4, category_id=1),
        dict(image_id=785, bbox=[1, 1, 0, 5], score=0.95, category_id=1),
        dict(image_id=40083, bbox=[1, 2, 3, 4], score=0.99, category_id=1),
    ]))
    boxes = person_boxes(str(dets), f'{coco_root}/000000000785.jpg')
    # xywh -> xyxy, score >= 0.5, the zero-width box dropped
    np.testing.assert_allclose(boxes, [[10, 20, 40, 60, 0.9]], rtol=1e-6)
    assert boxes.dtype == np.float32
    assert len(person_boxes(str(dets), '000000000785.jpg', 0.3)) == 2
    assert person_boxes(str(dets), '000000000001.jpg').shape == (0, 5)
    with pytest.raises(FileNotFoundError, match="--det-file '.*nope.json'"):
        person_boxes(str(tmp_path / 'nope.json'), '000000000785.jpg')
    with pytest.raises(ValueError, match="COCO id, got 'frame.jpg'"):
        person_boxes(str(dets), 'frame.jpg')
