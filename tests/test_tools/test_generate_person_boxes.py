"""tools/misc/generate_person_boxes.py: the box selection on hand-made
detections, the image list of a pose config's test dataset and its errors,
then the whole tool as a subprocess on the 4 bundled COCO images with a
random-weight MMDet RTMDet-tiny (tests/data/mmdet/), and MMPose's
tools/test.py testing on its output."""
import json
import os.path as osp
import subprocess
import sys

import numpy as np
import pytest
import torch

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
TOOL = osp.join(REPO, 'tools', 'misc', 'generate_person_boxes.py')
DET_CONFIG = osp.join(REPO, 'tests', 'data', 'mmdet',
                      'rtmdet_tiny_random-weights_coco.py')
POSE_CONFIG = 'configs/demo/clnet_r18_coco-mini_256x192.py'
COCO_IDS = {785: '000000000785.jpg', 40083: '000000040083.jpg',
            196141: '000000196141.jpg', 197388: '000000197388.jpg'}
MAX_PER_IMG = 5  # the fixture detector's test_cfg.max_per_img


@pytest.fixture(scope='module')
def tool(load_script):
    return load_script('tools/misc/generate_person_boxes.py')


def pose_options(coco_root, **dataset):
    """--pose-cfg-options that point the demo config's test dataset at the
    bundled images from any working directory."""
    options = {'test_dataloader.dataset.data_root': coco_root}
    options.update({f'test_dataloader.dataset.{k}': v
                    for k, v in dataset.items()})
    return options


def run(*args):
    proc = subprocess.run([sys.executable, *args], cwd=REPO,
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return proc


# ---- box selection: hand-made detections ----------------------------------

def test_select_keeps_the_person_class_above_the_threshold_best_first(tool):
    bboxes = np.array([[0, 0, 10, 20],     # person, 0.5
                       [5, 5, 15, 25],     # person, 0.9
                       [0, 0, 10, 10],     # class 3
                       [1, 1, 11, 11],     # person, below the threshold
                       [4, 4, 4, 30],      # person, width 0
                       [4, 30, 20, 10],    # person, height < 0
                       [2, 2, 3, 3]],      # person, exactly the threshold
                      dtype=np.float32)
    scores = np.array([0.5, 0.9, 0.99, 0.05, 0.95, 0.95, 0.1])
    labels = np.array([0, 0, 3, 0, 0, 0, 0])
    boxes, kept = tool.select_person_boxes(bboxes, scores, labels,
                                           det_cat_id=0, score_thr=0.1)
    np.testing.assert_allclose(kept, [0.9, 0.5, 0.1], rtol=1e-6)
    np.testing.assert_array_equal(boxes, bboxes[[1, 0, 6]])
    # another class index picks the other class
    boxes, kept = tool.select_person_boxes(bboxes, scores, labels,
                                           det_cat_id=3)
    np.testing.assert_array_equal(boxes, bboxes[[2]])


def test_select_nms_removes_the_weaker_of_two_overlapping_boxes(tool):
    # IoU of the first two = 90 / 110 = 0.818; the third does not overlap
    bboxes = np.array([[0, 0, 10, 10], [0, 1, 10, 11], [20, 20, 30, 30]],
                      dtype=np.float32)
    scores = np.array([0.6, 0.8, 0.7])
    labels = np.zeros(3, dtype=np.int64)
    boxes, kept = tool.select_person_boxes(bboxes, scores, labels,
                                           nms_thr=0.8)
    np.testing.assert_allclose(kept, [0.8, 0.7], rtol=1e-6)
    np.testing.assert_array_equal(boxes, bboxes[[1, 2]])
    _, kept = tool.select_person_boxes(bboxes, scores, labels, nms_thr=0.85)
    assert len(kept) == 3
    _, kept = tool.select_person_boxes(bboxes, scores, labels)
    assert len(kept) == 3  # no extra NMS by default


def test_coco_results_are_xywh_with_the_person_category(tool):
    results = tool.to_coco_results(
        785, np.array([[10., 20., 40., 100.]]), np.array([0.25]))
    assert results == [dict(image_id=785, category_id=1,
                            bbox=[10.0, 20.0, 30.0, 80.0], score=0.25)]
    assert json.loads(json.dumps(results)) == results


# ---- image list -----------------------------------------------------------

def test_images_and_ids_from_the_test_dataset(tool, coco_root):
    pairs = tool.list_images(POSE_CONFIG, pose_options(coco_root))
    assert sorted(pairs) == sorted(
        (i, osp.join(coco_root, name)) for i, name in COCO_IDS.items())


def write_annotations(path, images):
    """A COCO keypoint file listing ``images`` (id, file_name), one person
    each: MMPose's CocoDataset reads it."""
    person = dict(category_id=1, iscrowd=0, bbox=[1, 1, 10, 10], area=100,
                  num_keypoints=1, keypoints=[5, 5, 2] + [0] * 48)
    path.write_text(json.dumps(dict(
        images=[dict(id=i, file_name=name, width=640, height=480)
                for i, name in images],
        annotations=[dict(person, id=n + 1, image_id=i)
                     for n, (i, _) in enumerate(images)],
        categories=[dict(id=1, name='person')])))
    return str(path)


def test_image_list_errors(tool, tmp_path, coco_root):
    with pytest.raises(FileNotFoundError, match='--pose-config: not found'):
        tool.list_images(str(tmp_path / 'nope.py'))
    with pytest.raises(FileNotFoundError,
                       match="annotation file of .*_256x192.py's "
                       'test_dataloader.dataset not found: .*nope.json'):
        tool.list_images(POSE_CONFIG, pose_options(
            coco_root, ann_file=str(tmp_path / 'nope.json')))
    ann = write_annotations(tmp_path / 'ann.json',
                            [(1, COCO_IDS[785]), (2, 'missing.jpg')])
    with pytest.raises(FileNotFoundError, match=r'1 of the 2 images.*'
                       'missing.jpg'):
        tool.list_images(POSE_CONFIG, pose_options(coco_root, ann_file=ann))
    empty = write_annotations(tmp_path / 'empty.json', [])
    with pytest.raises(ValueError,  # the config's CheckedCocoDataset says it
                       match="no instance left in ann_file '.*empty.json'"):
        tool.list_images(POSE_CONFIG, pose_options(coco_root,
                                                   ann_file=empty))


def test_cli_names_a_missing_config(tool, tmp_path):
    with pytest.raises(SystemExit, match='generate_person_boxes.py: '
                       '--pose-config: not found: .*nope.py'):
        tool.main(['det.py', '--pose-config', str(tmp_path / 'nope.py'),
                   '--out', str(tmp_path / 'boxes.json')])


def test_missing_config_and_existing_output_fail_before_detecting(
        tool, tmp_path, coco_root):
    out = tmp_path / 'boxes.json'
    with pytest.raises(FileNotFoundError,
                       match='detector config not found: .*nope.py'):
        tool.generate_person_boxes(str(tmp_path / 'nope.py'), POSE_CONFIG,
                                   str(out),
                                   pose_cfg_options=pose_options(coco_root))
    out.write_text('[]')
    with pytest.raises(FileExistsError, match='--overwrite'):
        tool.generate_person_boxes(DET_CONFIG, POSE_CONFIG, str(out))
    assert out.read_text() == '[]'


# ---- the tool on the bundled images, then tools/test.py -------------------

@pytest.fixture(scope='module')
def boxes_file(tmp_path_factory):
    out = str(tmp_path_factory.mktemp('boxes') / 'person_boxes.json')
    proc = run(TOOL, DET_CONFIG, '--pose-config', POSE_CONFIG, '--out', out,
               '--score-thr', '0.0', '--nms-thr', '0.9')
    return out, proc.stdout + proc.stderr


def test_tool_writes_mmpose_bbox_file_format(boxes_file):
    out, log = boxes_file
    assert 'random weights' in log and 'meaningless' in log
    assert 'person boxes on 4 of 4 images' in log
    with open(out) as f:
        results = json.load(f)
    assert isinstance(results, list)
    assert 4 <= len(results) <= 4 * MAX_PER_IMG
    # the format of tests/data/coco/test_coco_det_AP_H_56.json
    with open(osp.join(REPO, 'tests/data/coco/test_coco_det_AP_H_56.json')) \
            as f:
        reference = json.load(f)[0]
    for det in results:
        assert set(det) == set(reference)
        assert type(det['image_id']) is int and det['category_id'] == 1
        assert type(det['score']) is float and 0.0 <= det['score'] <= 1.0
        assert len(det['bbox']) == 4
        assert all(type(v) is float for v in det['bbox'])
        assert det['bbox'][2] > 0 and det['bbox'][3] > 0
    assert {det['image_id'] for det in results} == set(COCO_IDS)
    # each image's boxes are sorted by score, best first
    for image_id in COCO_IDS:
        scores = [d['score'] for d in results if d['image_id'] == image_id]
        assert scores == sorted(scores, reverse=True)


def test_overwrite_and_images_restricted_to_the_annotation_file(
        tool, tmp_path, coco_root):
    ann = write_annotations(tmp_path / 'one_image.json',
                            [(7, COCO_IDS[197388])])
    out = tmp_path / 'boxes.json'
    out.write_text('[]')
    torch.manual_seed(0)
    results = tool.generate_person_boxes(
        DET_CONFIG, POSE_CONFIG, str(out), overwrite=True,
        pose_cfg_options=pose_options(coco_root, ann_file=ann))
    assert 1 <= len(results) <= MAX_PER_IMG
    assert {det['image_id'] for det in results} == {7}  # the json's id
    with open(out) as f:
        assert json.load(f) == results
    # no temporary file left beside the output
    assert sorted(p.name for p in tmp_path.iterdir()) == \
        ['boxes.json', 'one_image.json']


def test_tools_test_py_tests_on_the_generated_boxes(boxes_file, tmp_path,
                                                    demo_checkpoint):
    checkpoint = demo_checkpoint

    out, _ = boxes_file
    metrics_file = str(tmp_path / 'metrics.json')
    dump = str(tmp_path / 'preds.pkl')
    run('tools/test.py', POSE_CONFIG, checkpoint, '--cfg-options',
        f'test_dataloader.dataset.bbox_file={out}', '--out', metrics_file,
        '--dump', dump, '--work-dir', str(tmp_path / 'work'))
    with open(metrics_file) as f:
        metrics = json.load(f)
    assert 0.0 <= metrics['coco/AP'] <= 1.0
    # every generated box, and only those, got a pose
    import mmengine
    with open(out) as f:
        boxes = json.load(f)
    preds = mmengine.load(dump)
    assert len(preds) == len(boxes)
    assert sorted(p['img_id'] for p in preds) == \
        sorted(b['image_id'] for b in boxes)
