# CLNet-Hourglass (8 stacks), COCO, 384x256 (paper Table 1: 76.5 AP on
# val2017, 75.8 on test-dev2017, 52.9 GFLOPs). Only the input size changes.
_base_ = ['./clnet_hourglass8_coco_256x192.py']

codec = dict(
    type='CLCodec', input_size=(256, 384), stride=16, sigma=16.0, tau=0.6)

model = dict(head=dict(decoder=codec))

train_pipeline = [
    dict(type='CheckedLoadImage'),
    dict(type='GetBBoxCenterScale'),
    dict(type='RandomFlip', direction='horizontal'),
    # Newell et al. [9]: scale 0.75-1.25, rotation +-30 degrees, no shift
    dict(
        type='RandomBBoxTransform',
        shift_prob=0,
        scale_factor=(0.75, 1.25),
        rotate_factor=30,
        rotate_prob=0.4),  # [9]'s code (pose-hg-train) rotates 40%
    # shear (sec. 4.1): no reference gives a range; ours
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
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=val_pipeline))
test_dataloader = val_dataloader
