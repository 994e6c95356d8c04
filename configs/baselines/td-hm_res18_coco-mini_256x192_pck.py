# MMPose's SimpleBaseline with a ResNet18, from scratch, trained and
# evaluated exactly like configs/demo/clnet_r18_coco-mini_256x192_pck.py:
# the reference for "CL learns at least as fast" (docs/loss_region.md).
_base_ = [
    'mmpose::body_2d_keypoint/topdown_heatmap/coco/'
    'td-hm_res50_8xb64-210e_coco-256x192.py'
]
custom_imports = dict(imports=['mmpose_cl'], allow_failed_imports=False)

data_root = 'tests/data/coco/'
max_iters = 300

train_cfg = dict(
    _delete_=True,
    type='IterBasedTrainLoop',
    max_iters=max_iters,
    val_interval=max_iters)
param_scheduler = []
optim_wrapper = dict(optimizer=dict(type='Adam', lr=1e-3))
default_hooks = dict(
    logger=dict(interval=10),
    checkpoint=dict(by_epoch=False, interval=max_iters, save_best=None))
log_processor = dict(by_epoch=False, window_size=10)
randomness = dict(seed=0)

model = dict(
    backbone=dict(depth=18, init_cfg=None), head=dict(in_channels=512))

train_dataloader = dict(
    batch_size=12,
    num_workers=2,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(
        data_root=data_root,
        ann_file='test_coco.json',
        data_prefix=dict(img='')))
val_dataloader = dict(
    batch_size=32,
    num_workers=1,
    dataset=dict(
        data_root=data_root,
        ann_file='test_coco.json',
        bbox_file=None,
        data_prefix=dict(img='')))
test_dataloader = val_dataloader
val_evaluator = [
    dict(type='PCKAccuracy', thr=0.2, norm_item='bbox'),
    # stricter: 0.05 of the box, and COCO AP (OKS) on the ground-truth boxes
    dict(type='PCKAccuracy', thr=0.05, norm_item='bbox', prefix='strict'),
    dict(type='EPE'),
    dict(type='CocoMetric', ann_file=data_root + 'test_coco.json')
]
test_evaluator = val_evaluator
