"""benchmarks/error_breakdown.py: the per-keypoint measures against values
computed by hand from their definitions (COCO's OKS term, the mirrored
label, the scale), the rates built on them, and a run on the checkpoints of
a tiny learning comparison, whose AP must be the comparison's own final
validation (the same checkpoint, pipeline and MMPose metric)."""
import json
import math
import os.path as osp

import numpy as np
import pytest

from benchmarks import error_breakdown as eb

NAMES = ['nose', 'left_hand', 'right_hand']
FLIP = [0, 2, 1]
SIGMAS = np.array([0.1, 0.1, 0.1])


def hand_case():
    """Two people of area 100 (scale 10 px). Person 0: the nose 1 px off,
    the left hand predicted on the right hand's label (19 px from its own),
    the right hand 3 px off. Person 1: no nose label, both hands exact."""
    gt = np.array([
        [[50, 50, 2], [40, 60, 2], [59, 60, 1]],
        [[0, 0, 0], [20, 20, 2], [30, 20, 2]],
    ], np.float64)
    pred = np.array([
        [[51, 50], [59, 60], [59, 63]],
        [[99, 99], [20, 20], [30, 20]],
    ], np.float64)
    return pred, gt, np.array([100., 100.])


def test_keypoint_measures_by_hand():
    pred, gt, area = hand_case()
    stats = eb.keypoint_stats(pred, gt, area, SIGMAS, FLIP)
    # COCO: exp(-d^2 / (2 * area * (2 sigma)^2)) = exp(-d^2 / 8) here
    expected_oks = [math.exp(-1 / 8), math.exp(-361 / 8), math.exp(-9 / 8)]
    assert stats['oks'][0] == pytest.approx(expected_oks)
    assert stats['error'][0] == pytest.approx([0.1, 1.9, 0.3])
    assert stats['labelled'].tolist() == [[True, True, True],
                                          [False, True, True]]
    # 0.88 fine; 0.0 and 0.32 below 0.5; person 1 exact, its nose unlabelled
    assert stats['gross'].tolist() == [[False, True, True],
                                       [False, False, False]]
    # only the left hand lies nearer its mirror's label; the nose has no
    # partner; the right hand, 3 px off, is 19.2 px from the left label
    assert stats['swap'].tolist() == [[False, True, False],
                                      [False, False, False]]


def test_rates_by_group_and_fallback():
    pred, gt, area = hand_case()
    stats = eb.keypoint_stats(pred, gt, area, SIGMAS, FLIP)
    boxes = np.array([[0, 40, 60, 30], [15, 15, 20, 10]], np.float64)
    sizes = np.array([[100, 100], [100, 100]], np.float64)
    scores = np.array([[0.9, 0.2, 0.5], [0.1, 0.7, 0.8]])
    out = eb.breakdown(stats, gt, area, boxes, sizes, scores, 0.6, NAMES)
    assert (out['people'], out['keypoints']) == (2, 5)
    assert out['gross'] == pytest.approx(2 / 5)
    assert out['swap'] == pytest.approx(1 / 5)
    assert out['swap_share_of_gross'] == pytest.approx(1 / 2)
    # person 0: (0.88 + 0 + 0.32) / 3 = 0.40 < 0.5; person 1: 1.0
    assert out['people_oks_below_half'] == pytest.approx(1 / 2)
    assert out['oks_histogram'][4] == 1 and out['oks_histogram'][9] == 1
    # v = 1 is person 0's right hand, gross; v = 2: 1 gross of 4
    assert out['by_visibility'] == pytest.approx({'v=1': 1., 'v=2': 1 / 4})
    # person 0's box starts at x = 0: truncated, 2 gross of 3
    assert out['by_truncation'] == pytest.approx({'truncated': 2 / 3,
                                                  'whole': 0.})
    # person 1 has no nose label: it turns its back
    assert out['by_facing'] == pytest.approx({'faces the camera': 2 / 3,
                                              'turns its back': 0.})
    assert out['by_keypoint']['left_hand']['swap'] == pytest.approx(1 / 2)
    # below tau 0.6: person 0's hands (both gross); person 1's nose is not
    # labelled
    fb = out['fallback']
    assert fb['rate'] == pytest.approx(2 / 5)
    assert (fb['gross_with'], fb['gross_without']) == (1., 0.)
    assert fb['by_keypoint'] == pytest.approx(
        {'nose': 0., 'left_hand': 1 / 2, 'right_hand': 1 / 2})
    assert 'fallback' not in eb.breakdown(stats, gt, area, boxes, sizes,
                                          scores, None, NAMES)


def test_report_of_a_learning_comparison(comparison, tmp_path, repo_root,
                                         monkeypatch, one_thread, capsys):
    monkeypatch.chdir(repo_root)
    out = str(tmp_path / 'eb')
    eb.main([comparison, '--out', out])
    with open(f'{out}.json') as f:
        report = json.load(f)
    with open(comparison) as f:
        trained = json.load(f)
    root = trained['settings']['data_root']
    with open(osp.join(root, 'annotations',
                       'person_keypoints_val.json')) as f:
        val = json.load(f)
    people = sum(a['num_keypoints'] > 0 for a in val['annotations'])
    for name, r in report['results'].items():
        assert r['people'] == people
        # the same checkpoint, pipeline, flip test and metric as the
        # comparison's last validation
        assert r['metrics']['AP'] == pytest.approx(
            trained['results'][name]['curve'][-1]['coco/AP'], abs=1e-9)
        assert sum(r['oks_histogram']) == people
        assert 0 <= r['gross'] <= 1
    assert 'fallback' in report['results']['CL-R18']
    assert 'fallback' not in report['results']['RTMPose-t']
    with open(f'{out}.md') as f:
        text = f.read()
    assert '| keypoints decoded by the argmax fallback |' in text
    # an existing report is kept, and the error names it
    capsys.readouterr()
    with pytest.raises(SystemExit):
        eb.parse_args([comparison, '--out', out])
    assert f'{out}.md exists; pass --overwrite' in capsys.readouterr().err


def test_bad_input_is_named(comparison, tmp_path, repo_root, monkeypatch,
                            capsys):
    monkeypatch.chdir(repo_root)
    with open(comparison) as f:
        trained = json.load(f)
    root = trained['settings']['data_root']
    cl_checkpoint = trained['results']['CL-R18']['checkpoint']
    # a checkpoint of another model than the config's
    with pytest.raises(SystemExit, match='does not match the model'):
        eb.main(['--config', 'configs/clnet_cspnext-t_coco_256x192.py',
                 '--checkpoint', cl_checkpoint, '--data-root', root,
                 '--out', str(tmp_path / 'x')])
    # a val split without keypoints
    bare = tmp_path / 'bare'
    (bare / 'annotations').mkdir(parents=True)
    with open(osp.join(root, 'annotations',
                       'person_keypoints_val.json')) as f:
        coco = json.load(f)
    for ann in coco['annotations']:
        del ann['keypoints']
    (bare / 'annotations' / 'person_keypoints_val.json').write_text(
        json.dumps(coco))
    with pytest.raises(SystemExit):
        eb.parse_args(['--config', 'configs/demo/clnet_r18_coco-mini_256x'
                       '192.py', '--checkpoint', cl_checkpoint,
                       '--data-root', str(bare)])
    assert 'no person with labelled keypoints' in capsys.readouterr().err
    # a model the comparison does not have
    with pytest.raises(SystemExit):
        eb.parse_args([comparison, '--models', 'CL-R50'])
    assert "--models: ['CL-R50'] not in" in capsys.readouterr().err
