# CLNet-ResNet50, MPII, 256x256 (paper Tables 2-3: 90.4 PCKh@0.5 on the MPII
# test set, 13.5M params). The recipe of section 4.1 (Adam 1e-3, 140 epochs,
# x0.1 at 90 and 120, batch 128) on MMPose's MPII data and PCKh metric.
_base_ = ['./clnet_r50_coco_256x192.py']

codec = dict(
    type='CLCodec', input_size=(256, 256), stride=16, sigma=16.0, tau=0.6)

model = dict(head=dict(num_keypoints=16, decoder=codec))

default_hooks = dict(checkpoint=dict(save_best='PCK', rule='greater'))

dataset_type = 'MpiiDataset'
data_root = 'data/mpii/'

# the augmentation of clnet_r50_coco_256x192.py (SimpleBaseline's [3])
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

train_dataloader = dict(
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        ann_file='annotations/mpii_train.json',
        data_prefix=dict(img='images/'),
        pipeline=train_pipeline))
val_dataloader = dict(
    dataset=dict(
        _delete_=True,
        type=dataset_type,
        data_root=data_root,
        data_mode='topdown',
        ann_file='annotations/mpii_val.json',
        # head boxes for PCKh, from MMPose's MPII download
        headbox_file=data_root + 'annotations/mpii_gt_val.mat',
        data_prefix=dict(img='images/'),
        test_mode=True,
        pipeline=val_pipeline))
test_dataloader = val_dataloader

val_evaluator = dict(_delete_=True, type='MpiiPCKAccuracy')
test_evaluator = val_evaluator
