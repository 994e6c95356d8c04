# CLNet-CSPNeXt-m, COCO, 256x192: composite localization (paper section 3)
# on RTMPose-m's backbone with RTMPose-m's recipe, so that it can be put
# against MMPose's rtmpose-m_8xb256-420e_coco-256x192.py (74.6 AP on COCO val,
# 1.93 GFLOPs). From the CL base config: the CL codec, loss, flip test, data
# and checks. From RTMPose-m: CSPNeXt-m and its pose-pretrained weights,
# AdamW (lr 4e-3, weight decay 0.05), 1000 warm-up iterations, cosine decay
# over the second half of 420 epochs, EMA, the lighter augmentation of the
# last 30 epochs, 256 crops per GPU on 8 GPUs (MMPose's 8xb256), seed 21.
# CLNet's own part: the stem + stages 1-3 only (stride 16, no stage 4 and no
# up-sampling) and CLHead on them, and eq. (4) summed over the cells.
#   bash tools/dist_train.sh configs/clnet_cspnext-m_coco_256x192.py 8
_base_ = ['./clnet_r50_coco_256x192.py']  # the CL codec, loss and data

# constants: RTMPose-m's
max_epochs = 420
stage2_num_epochs = 30  # the lighter augmentation of the last 30 epochs
base_lr = 4e-3

# runtime: RTMPose-m's
train_cfg = dict(max_epochs=max_epochs, val_interval=10)
randomness = dict(seed=21)
default_hooks = dict(checkpoint=dict(max_keep_ckpts=1))  # 42 saves otherwise

# optimizer: RTMPose-m's AdamW, without decay on norms and biases
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='AdamW', lr=base_lr, weight_decay=0.05),
    paramwise_cfg=dict(
        norm_decay_mult=0, bias_decay_mult=0, bypass_duplicate=True))
# learning rate: RTMPose-m's linear warm-up over 1000 iterations, then
# constant, then cosine down to 5% over the second half
param_scheduler = [
    dict(
        type='LinearLR',
        start_factor=1.0e-5,
        by_epoch=False,
        begin=0,
        end=1000),
    dict(
        type='CosineAnnealingLR',
        eta_min=base_lr * 0.05,
        begin=max_epochs // 2,
        end=max_epochs,
        T_max=max_epochs // 2,
        by_epoch=True,
        convert_to_iter_based=True),
]
# RTMPose-m's: lr 4e-3 belongs to a total batch of 1024 for --auto-scale-lr
auto_scale_lr = dict(base_batch_size=1024)

# codec: the base's CLCodec (stride 16 -> 12x16 maps, sigma 16, tau 0.6),
# restated for the references below
codec = dict(
    type='CLCodec', input_size=(192, 256), stride=16, sigma=16.0, tau=0.6)

# model
model = dict(
    backbone=dict(
        _delete_=True,  # the base's CLNetResNet arguments do not apply
        type='CLNetCSPNeXt',
        # stem + stages 1-3 of RTMPose's CSPNeXt: stride 16, 384 channels
        output_stride=codec['stride'],
        # RTMPose-m's CSPNeXt-m: depth 0.67, width 0.75
        deepen_factor=0.67,
        widen_factor=0.75,
        norm_cfg=dict(type='SyncBN'),  # RTMPose's: statistics over all GPUs
        # RTMPose-m's starting point, a CSPNeXt-m pretrained on AIC + COCO
        # with a UDP heatmap head; its stage4 and head weights go unused
        init_cfg=dict(
            type='Pretrained',
            prefix='backbone.',
            checkpoint='https://download.openmmlab.com/mmpose/v1/projects/'
            'rtmposev1/cspnext-m_udp-aic-coco_210e-256x192-f2f7d6f6_20230130.pth'  # noqa
        )),
    head=dict(
        in_channels=384,  # stage 3 of CSPNeXt-m
        norm_cfg=dict(type='SyncBN'),  # as the backbone's
        # eq. (4)'s squared errors summed over each keypoint's cells, not
        # averaged (the paper rows' reading): the heatmap term, which picks
        # the cells, then carries 192x the weight at 12x16 cells. Held-out
        # AP after 20 CPU minutes from scratch, CLNet-CSPNeXt-t: 0.233 -> 0.755
        # (seed 0), 0.252 -> 0.710 (seed 1); RTMPose-t 0.446, 0.313
        # (docs/cspnext_design.md#accuracy, docs/loss_region.md)
        loss=dict(heatmap_reduction='sum'),
    ))

# train pipelines: RTMPose-m's two stages (strong, then lighter augmentation
# for the last 30 epochs) with the CL codec's targets, and MMPose's LoadImage
# with an error naming an empty or corrupt image file. The val pipeline is
# the base's, the same as RTMPose's.
train_pipeline = [
    dict(type='CheckedLoadImage'),
    dict(type='GetBBoxCenterScale'),
    dict(type='RandomFlip', direction='horizontal'),
    dict(type='RandomHalfBody'),
    dict(
        type='RandomBBoxTransform', scale_factor=[0.6, 1.4], rotate_factor=80),
    dict(type='TopdownAffine', input_size=codec['input_size']),
    dict(type='mmdet.YOLOXHSVRandomAug'),
    dict(
        type='Albumentation',
        transforms=[
            dict(type='Blur', p=0.1),
            dict(type='MedianBlur', p=0.1),
            dict(
                type='CoarseDropout',
                max_holes=1,
                max_height=0.4,
                max_width=0.4,
                min_holes=1,
                min_height=0.2,
                min_width=0.2,
                p=1.),
        ]),
    dict(type='GenerateTarget', encoder=codec),
    dict(type='PackPoseInputs')
]
train_pipeline_stage2 = [
    dict(type='CheckedLoadImage'),
    dict(type='GetBBoxCenterScale'),
    dict(type='RandomFlip', direction='horizontal'),
    dict(type='RandomHalfBody'),
    dict(
        type='RandomBBoxTransform',
        shift_factor=0.,
        scale_factor=[0.75, 1.25],
        rotate_factor=60),
    dict(type='TopdownAffine', input_size=codec['input_size']),
    dict(type='mmdet.YOLOXHSVRandomAug'),
    dict(
        type='Albumentation',
        transforms=[
            dict(type='Blur', p=0.1),
            dict(type='MedianBlur', p=0.1),
            dict(
                type='CoarseDropout',
                max_holes=1,
                max_height=0.4,
                max_width=0.4,
                min_holes=1,
                min_height=0.2,
                min_width=0.2,
                p=0.5),
        ]),
    dict(type='GenerateTarget', encoder=codec),
    dict(type='PackPoseInputs')
]

# data loaders: RTMPose-m's sizes; the base's datasets (MMPose's CocoDataset
# with clear errors for bad files, the person boxes of SimpleBaseline and
# HRNet, as MMPose's RTMPose results)
train_dataloader = dict(
    batch_size=256, num_workers=10, dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(batch_size=64, num_workers=10)
test_dataloader = val_dataloader

# hooks: RTMPose-m's EMA and pipeline switch (and, as RTMPose, no
# SyncBuffersHook: SyncBN keeps the statistics equal), and the CL checks
custom_hooks = [
    dict(
        type='EMAHook',
        ema_type='ExpMomentumEMA',
        momentum=0.0002,
        update_buffers=True,
        priority=49),
    dict(
        type='mmdet.PipelineSwitchHook',
        switch_epoch=max_epochs - stage2_num_epochs,
        switch_pipeline=train_pipeline_stage2),
    dict(type='NonFiniteLossHook'),  # stop at a NaN/inf loss, keep checkpoints
    dict(type='CLDatasetCheckHook'),  # head vs dataset keypoints, flip pairs
]
