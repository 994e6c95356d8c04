# CLNet-Hourglass (8 stacks), LSP, 256x256 (paper Table 4: 96.0 PCK@0.2 on
# the LSP test set). The data and evaluation of clnet_r50_lsp_256x256.py; the
# model and Newell et al.'s recipe of clnet_hourglass8_coco_256x192.py
# (RMSprop at lr 2.5e-4, one x0.2 drop, no pretraining, Newell's
# augmentation).
_base_ = ['./clnet_r50_lsp_256x256.py']

optim_wrapper = dict(optimizer=dict(_delete_=True, type='RMSprop', lr=2.5e-4))
param_scheduler = [
    dict(
        type='MultiStepLR',
        begin=0,
        end=140,
        milestones=[120],
        gamma=0.2,
        by_epoch=True)
]

codec = dict(
    type='CLCodec', input_size=(256, 256), stride=16, sigma=16.0, tau=0.6)
model = dict(
    backbone=dict(
        _delete_=True,
        type='CLNetHourglass',
        num_keypoints=14,  # the head takes K from the backbone
        num_stacks=8,
        channels=256,
        # the paper gives no head width; 32 keeps the model below the plain
        # 8-stack's parameters, as the paper says (CLNetHourglass docstring)
        head_channels=32,
        output_stride=codec['stride']),
    head=dict(
        _delete_=True,
        type='CLMultiStageHead',
        loss=dict(
            type='CLCompositeLoss',
            heatmap_weight=0.5,
            offset_weight=2.0,
            region='union'),
        decoder=codec))

# augmentation: Newell et al.'s [9] ranges ("we follow the same
# hyper-parameters and settings in [9]", sec. 4.1), in the pipeline of
# clnet_r50_coco_256x192.py (flip and shear included)
train_pipeline = [
    _base_.newell_augmentation
    if t == _base_.simplebaseline_mpii_augmentation else t
    for t in _base_.train_pipeline
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
