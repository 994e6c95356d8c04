# CLNet-ResNet50, COCO, 256x192 input (paper Table 1: 71.2 AP on val2017,
# 4.2 GFLOPs; the paper gives CLNet-ResNet50 13.5M params in Table 3, 13.4M
# in Table 5). Recipe of section 4.1: Adam, lr 1e-3, 140 epochs,
# lr x0.1 at epochs 90 and 120, batch 128 (16 per GPU x 8 GPUs).
#   bash tools/dist_train.sh configs/clnet_r50_coco_256x192.py 8
_base_ = ['mmpose::_base_/default_runtime.py']
custom_imports = dict(imports=['mmpose_cl'], allow_failed_imports=False)

# runtime
train_cfg = dict(max_epochs=140, val_interval=10)

# optimizer: the paper's Adam at 1e-3 for batch 128, no warm-up mentioned
optim_wrapper = dict(optimizer=dict(type='Adam', lr=1e-3))
param_scheduler = [
    dict(
        type='MultiStepLR',
        begin=0,
        end=140,
        milestones=[90, 120],
        gamma=0.1,
        by_epoch=True)
]
# lr 1e-3 belongs to a total batch of 128 (8 GPUs x 16): --auto-scale-lr
# rescales it for other GPU counts
auto_scale_lr = dict(base_batch_size=128)

default_hooks = dict(checkpoint=dict(save_best='coco/AP', rule='greater'))
custom_hooks = [
    dict(type='SyncBuffersHook'),  # MMPose's default
    dict(type='NonFiniteLossHook'),  # stop at a NaN/inf loss, keep checkpoints
    dict(type='CLDatasetCheckHook'),  # head vs dataset keypoints, flip pairs
]

# codec: stride 16 -> 12x16 maps; sigma and tau of section 4.1
codec = dict(
    type='CLCodec', input_size=(192, 256), stride=16, sigma=16.0, tau=0.6)

# model
model = dict(
    type='CLPoseEstimator',  # TopdownPoseEstimator + build-time checks
    data_preprocessor=dict(
        type='PoseDataPreprocessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        bgr_to_rgb=True),
    backbone=dict(
        type='CLNetResNet',
        depth=50,
        # stem + 3 residual stages, no up-sampling
        output_stride=codec['stride'],
        init_cfg=dict(type='Pretrained', checkpoint='torchvision://resnet50'),
    ),
    head=dict(
        type='CLHead',
        in_channels=1024,
        num_keypoints=17,
        loss=dict(
            type='CLCompositeLoss',
            heatmap_weight=0.5,
            # eq. (4)'s f is "the mean square error": the mean over each
            # keypoint's cells, as SimpleBaseline's 0.5 * MSE; the other
            # reading, a sum over the cells, is an ablation config
            # (configs/ablations/*_heatmap-sum.py, docs/loss_region.md)
            heatmap_reduction='mean',
            offset_weight=2.0,
            # tau: the decoder's, passed on by the head
            # the paper supervises offsets where the *predicted* heatmap
            # >= tau ('pred'); 'union' adds the target's cells, so the offsets
            # train from the first iteration (docs/loss_region.md)
            region='union'),
        decoder=codec),
    test_cfg=dict(flip_test=True))

# base dataset settings (the inferencer picks its default person detector
# from MMPose's CocoDataset, so it stays named here)
dataset_type = 'CocoDataset'
data_mode = 'topdown'
data_root = 'data/coco/'

# pipelines. Section 4.1 augments by "shearing, scaling, rotation, flipping
# as reported in [9, 11, 3]": the references' ranges, named so that the rows
# pick theirs. No half-body: it is not among the paper's augmentations, nor
# used by [3], [9] or [11] (it came later, with HRNet). MMPose has no shear:
# RandomShearTopdownAffine adds it to the same warp; no reference gives a
# range, so +-10 degrees half of the time is ours.
# MMPose's RandomBBoxTransform draws rotate_factor x a normal truncated to
# [-1, 1] (at 40: 21.6 degrees std, never past 40); the references clip a
# normal instead, which ClippedNormalBBoxTransform draws.
# SimpleBaseline [3] (CLNet-ResNet): "scale (+-30%), rotation (+-40
# degrees)", as its code draws them (lib/dataset/JointsDataset.py with its
# COCO files' SCALE_FACTOR 0.3, ROT_FACTOR 40; its MPII files use 0.25 and
# 30): scale clip(1 + 0.3 N, 0.7, 1.3), rotation clip(40 N, -80, 80)
# (38.4 degrees std) for 60% of the samples, no box shift
simplebaseline_augmentation = dict(
    type='ClippedNormalBBoxTransform',
    shift_prob=0,
    scale_factor=0.3,
    scale_mode='linear',
    rotate_factor=40,
    rotate_prob=0.6)
# Newell et al. [9] (CLNet-Hourglass): "rotation (+/- 30 degrees), and
# scaling (.75-1.25)"; its code (pose-hg-train, src/util/pose.lua) draws
# scale 2 ** clip(0.25 N, -0.5, 0.5) (0.71-1.41) and rotation
# clip(30 N, -60, 60) for 40% of the samples, no box shift
newell_augmentation = dict(
    type='ClippedNormalBBoxTransform',
    shift_prob=0,
    scale_factor=0.25,
    scale_mode='log2',
    rotate_factor=30,
    rotate_prob=0.4)
train_pipeline = [
    # MMPose's LoadImage with an error naming an empty or corrupt image file
    dict(type='CheckedLoadImage'),
    dict(type='GetBBoxCenterScale'),
    dict(type='RandomFlip', direction='horizontal'),
    simplebaseline_augmentation,
    dict(
        type='RandomShearTopdownAffine',
        input_size=codec['input_size'],
        shear_factor=10,
        shear_prob=0.5),
    dict(type='GenerateTarget', encoder=codec),
    dict(type='PackPoseInputs')
]
val_pipeline = [
    dict(type='CheckedLoadImage'),
    dict(type='GetBBoxCenterScale'),
    dict(type='TopdownAffine', input_size=codec['input_size']),
    dict(type='PackPoseInputs')
]

# data loaders
train_dataloader = dict(
    batch_size=16,
    num_workers=4,
    persistent_workers=True,
    pin_memory=True,  # page-locked batches: faster copies to the GPU
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(
        # MMPose's CocoDataset with clear errors for bad annotation and
        # bbox files; skips degenerate detections
        type='CheckedCocoDataset',
        data_root=data_root,
        data_mode=data_mode,
        ann_file='annotations/person_keypoints_train2017.json',
        data_prefix=dict(img='train2017/'),
        pipeline=train_pipeline,
    ))
val_dataloader = dict(
    batch_size=32,
    num_workers=4,
    persistent_workers=True,
    pin_memory=True,
    drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=False, round_up=False),
    dataset=dict(
        type='CheckedCocoDataset',
        data_root=data_root,
        data_mode=data_mode,
        ann_file='annotations/person_keypoints_val2017.json',
        # the person detector of SimpleBaseline and HRNet (section 4.1)
        bbox_file='data/coco/person_detection_results/'
        'COCO_val2017_detections_AP_H_56_person.json',
        data_prefix=dict(img='val2017/'),
        test_mode=True,
        pipeline=val_pipeline,
    ))
test_dataloader = val_dataloader

# evaluators
val_evaluator = dict(
    type='CocoMetric',
    ann_file=data_root + 'annotations/person_keypoints_val2017.json')
test_evaluator = val_evaluator
