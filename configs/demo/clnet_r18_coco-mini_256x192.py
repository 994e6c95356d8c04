# Demo: CLNet-ResNet18 trained from scratch (no download) on the 12 annotated
# people of the 4 COCO val2017 images bundled in tests/data/coco, then tested
# on the same images with the bundled MMDet person boxes. It shows the whole
# pipeline working in minutes on 2 CPU cores; the AP measures how well 12
# people were memorised, not generalisation. Paths are relative to the
# repository root. Run it with:  python demo/run_demo.py
_base_ = ['../clnet_r50_coco_256x192.py']

data_root = 'tests/data/coco/'
max_iters = 300  # one batch = all 12 people; ~5 min on 2 CPU cores

# iteration-based: an "epoch" of 12 people is a single iteration
train_cfg = dict(
    _delete_=True,
    type='IterBasedTrainLoop',
    max_iters=max_iters,
    val_interval=max_iters)
param_scheduler = []  # constant lr: the run is far too short to decay it
optim_wrapper = dict(optimizer=dict(type='Adam', lr=1e-3))
default_hooks = dict(
    logger=dict(interval=10),
    checkpoint=dict(by_epoch=False, interval=max_iters, save_best=None))
log_processor = dict(by_epoch=False, window_size=10)
randomness = dict(seed=0)

model = dict(
    # ResNet18 from scratch: the lightest depth, and no pretrained weights
    backbone=dict(depth=18, init_cfg=None),
    head=dict(in_channels=256))

train_dataloader = dict(
    batch_size=12,
    num_workers=2,
    # an endless sampler: MMEngine's iteration loop sleeps 2 s at every
    # epoch end, and here every iteration would be an epoch
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
        bbox_file=data_root + 'test_coco_det_AP_H_56.json',
        data_prefix=dict(img='')))
test_dataloader = val_dataloader
val_evaluator = dict(ann_file=data_root + 'test_coco.json')
test_evaluator = val_evaluator
