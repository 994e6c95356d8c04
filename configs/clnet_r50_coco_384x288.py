# CLNet-ResNet50, COCO, 384x288 input (paper Table 1: 73.4 AP on val2017,
# 9.5 GFLOPs). Same recipe as the 256x192 row; only the input size changes,
# so the maps are 18x24 cells at stride 16.
_base_ = ['./clnet_r50_coco_256x192.py']

codec = dict(
    type='CLCodec', input_size=(288, 384), stride=16, sigma=16.0, tau=0.6)

model = dict(head=dict(decoder=codec))

train_pipeline = [
    dict(type='CheckedLoadImage'),
    dict(type='GetBBoxCenterScale'),
    dict(type='RandomFlip', direction='horizontal'),
    # SimpleBaseline [3]: scale +-30%, rotation +-40 degrees, no box shift
    dict(
        type='RandomBBoxTransform',
        shift_prob=0,
        scale_factor=(0.7, 1.3),
        rotate_factor=40,
        rotate_prob=0.6),  # [3]'s code rotates 60% of the samples
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
