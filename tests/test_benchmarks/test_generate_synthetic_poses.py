"""benchmarks/generate_synthetic_poses.py: COCO's format as MMPose reads and
scores it, labels that follow COCO's conventions, left and right consistent
with the way a figure faces, and byte-identical output from a seed."""
import filecmp
import json
import os
import os.path as osp

import numpy as np
import pytest


@pytest.fixture(scope='module')
def gen(load_script):
    return load_script('benchmarks/generate_synthetic_poses.py')


ARGS = ['--num-train', '12', '--num-val', '4', '--img-size', '192', '160']


@pytest.fixture(scope='module')
def dataset(tmp_path_factory, gen):
    out = str(tmp_path_factory.mktemp('synthetic') / 'poses')
    gen.main([out, *ARGS])
    return out


def load(root, split):
    with open(osp.join(root, 'annotations',
                       f'person_keypoints_{split}.json')) as f:
        return json.load(f)


def test_layout_and_coco_metainfo(dataset):
    from mmpose.datasets.datasets.utils import parse_pose_metainfo
    meta = parse_pose_metainfo(
        dict(from_file='configs/_base_/datasets/coco.py'))
    for split, num in (('train', 12), ('val', 4)):
        coco = load(dataset, split)
        assert len(coco['images']) == num
        files = sorted(os.listdir(osp.join(dataset, split)))
        assert files == sorted(im['file_name'] for im in coco['images'])
        (cat, ) = coco['categories']
        assert cat['keypoints'] == [
            meta['keypoint_id2name'][i] for i in range(17)]
        # MMPose's links are 0-based, COCO's json 1-based
        assert {tuple(sorted(link)) for link in cat['skeleton']} == {
            tuple(sorted((a + 1, b + 1))) for a, b in meta['skeleton_links']}
    ids = [im['id'] for s in ('train', 'val') for im in load(dataset, s)[
        'images']]
    assert len(set(ids)) == len(ids), 'image ids repeat across splits'


def test_labels_follow_coco_conventions(dataset):
    seen = set()
    for split in ('train', 'val'):
        coco = load(dataset, split)
        sizes = {im['id']: (im['width'], im['height'])
                 for im in coco['images']}
        assert {a['image_id'] for a in coco['annotations']} == set(sizes), \
            'every image has at least one person'
        for ann in coco['annotations']:
            w, h = sizes[ann['image_id']]
            assert sizes[ann['image_id']] == (192, 160)
            kpts = np.array(ann['keypoints']).reshape(17, 3)
            v = kpts[:, 2]
            seen.update(v.tolist())
            assert set(v.tolist()) <= {0, 1, 2}
            assert ann['num_keypoints'] == int((v > 0).sum()) > 0
            # unlabelled: [0, 0, 0]; labelled: inside the image
            assert np.all(kpts[v == 0, :2] == 0)
            lab = kpts[v > 0, :2]
            assert np.all((lab >= 0) & (lab <= [w - 1, h - 1]))
            # the box is the figure's drawn pixels: it holds its keypoints
            x, y, bw, bh = ann['bbox']
            assert 0 <= x and 0 <= y and x + bw <= w and y + bh <= h
            assert np.all((lab >= [x - 1, y - 1]) &
                          (lab <= [x + bw + 1, y + bh + 1]))
            assert 0 < ann['area'] <= bw * bh
            assert ann['iscrowd'] == 0 and ann['category_id'] == 1
    assert seen == {0, 1, 2}, 'visible, hidden and unlabelled all occur'


def test_left_and_right_follow_facing(gen):
    """A figure facing the camera has its left on the image's right, seen
    along its torso (the cue that makes flip augmentation consistent); a
    figure seen from behind has it on the left, and no labelled face."""
    k = gen.K
    for i in range(300):
        rng = np.random.default_rng(i)
        kpts, facing = gen.sample_pose(rng, 200.)
        down = (kpts[k['left_hip']] + kpts[k['right_hip']]) / 2 - \
            (kpts[k['left_shoulder']] + kpts[k['right_shoulder']]) / 2
        across = kpts[k['left_shoulder']] - kpts[k['right_shoulder']]
        # image y points down: the cross product is -facing
        assert np.sign(down[0] * across[1] - down[1] * across[0]) == -facing
        # human proportions: no limb longer than a quarter of the height
        for a, b, _ in gen.LIMBS:
            assert np.linalg.norm(kpts[k[a]] - kpts[k[b]]) <= \
                0.25 * 200 * 1.0 + 1e-6


def test_faces_seen_from_behind_are_not_labelled(gen):
    """Over many images: whenever the nose is unlabelled while both ears
    are labelled and inside the image, so are both eyes (a back view)."""
    backs = 0
    for index in range(1, 40):
        _, people = gen.make_image(0, 'train', index, (256, 192), 3, 0.3)
        for p in people:
            v = p['keypoints'][:, 2]
            if v[gen.K['left_ear']] and v[gen.K['right_ear']] and \
                    v[gen.K['nose']] == 0:
                backs += 1
                assert v[gen.K['left_eye']] == v[gen.K['right_eye']] == 0
    assert backs > 0


def test_same_seed_same_bytes_other_seed_other_data(tmp_path, gen):
    a, b, c = (str(tmp_path / n) for n in 'abc')
    gen.main([a, *ARGS])
    gen.main([b, *ARGS])
    gen.main([c, *ARGS, '--seed', '1'])
    for split in ('train', 'val'):
        names = sorted(os.listdir(osp.join(a, split)))
        match, mismatch, errors = filecmp.cmpfiles(
            osp.join(a, split), osp.join(b, split), names, shallow=False)
        assert match == names and not mismatch and not errors
    for name in ('person_keypoints_train.json', 'person_keypoints_val.json'):
        assert filecmp.cmp(osp.join(a, 'annotations', name),
                           osp.join(b, 'annotations', name), shallow=False)
        assert not filecmp.cmp(osp.join(a, 'annotations', name),
                               osp.join(c, 'annotations', name),
                               shallow=False)


def test_mmpose_reads_and_scores_it(dataset):
    """MMPose's CocoDataset loads every person with its box, and MMPose's
    CocoMetric gives the ground truth itself an AP of 1."""
    from mmengine.registry import init_default_scope
    from mmpose.evaluation import CocoMetric
    from mmpose.registry import DATASETS
    init_default_scope('mmpose')
    ann_file = osp.join(dataset, 'annotations', 'person_keypoints_val.json')
    ds = DATASETS.build(dict(
        type='CocoDataset', data_root=dataset, data_mode='topdown',
        ann_file='annotations/person_keypoints_val.json',
        data_prefix=dict(img='val/'), test_mode=True, pipeline=[]))
    coco = load(dataset, 'val')
    assert len(ds) == len(coco['annotations'])
    metric = CocoMetric(ann_file=ann_file)
    metric.dataset_meta = ds.metainfo
    for i in range(len(ds)):
        info = ds[i]
        assert osp.isfile(info['img_path'])
        pred = dict(keypoints=info['keypoints'],
                    keypoint_scores=np.ones((1, 17)),
                    bbox_scores=np.ones(1))
        sample = dict(id=info['id'], img_id=info['img_id'],
                      category_id=1, pred_instances=pred,
                      gt_instances=dict(), raw_ann_info=info['raw_ann_info'],
                      ori_shape=(160, 192))
        metric.process([], [sample])
    results = metric.evaluate(len(ds))
    assert results['coco/AP'] == pytest.approx(1.0)


def test_refuses_a_folder_that_holds_files(tmp_path, gen):
    out = tmp_path / 'poses'
    out.mkdir()
    (out / 'mine.txt').write_text('keep me')
    with pytest.raises(SystemExit, match='poses.*not empty.*--overwrite'):
        gen.main([str(out), *ARGS])
    assert (out / 'mine.txt').read_text() == 'keep me'
    gen.main([str(out), *ARGS, '--overwrite'])
    assert (out / 'mine.txt').exists() and (out / 'train').is_dir()


@pytest.mark.parametrize('args, message', [
    (['--num-train', '0'], 'argument --num-train: must be >= 1, got 0'),
    (['--img-size', '32', '100'],
     'argument --img-size: must be >= 64, got 32'),
    (['--max-people', 'two'], "argument --max-people: expected an integer, "
     "got 'two'"),
    (['--max-overlap', '1.5'], '--max-overlap must be in [0, 1], got 1.5'),
    (['--seed', '-1'], 'argument --seed: must be >= 0, got -1'),
])
def test_bad_arguments_are_named(tmp_path, capsys, gen, args, message):
    with pytest.raises(SystemExit):
        gen.main([str(tmp_path / 'x'), *args])
    assert message in capsys.readouterr().err
    assert not (tmp_path / 'x').exists()
