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

# SimpleBaseline's draw with its MPII files' factors (SCALE_FACTOR 0.25,
# ROT_FACTOR 30 where its COCO files have 0.3 and 40); LSP inherits it
simplebaseline_mpii_augmentation = dict(
    _base_.simplebaseline_augmentation, scale_factor=0.25, rotate_factor=30)
# the pipelines of clnet_r50_coco_256x192.py, for this codec
train_pipeline = [
    dict(t, input_size=codec['input_size']) if 'input_size' in t else
    dict(t, encoder=codec) if 'encoder' in t else
    simplebaseline_mpii_augmentation
    if t == _base_.simplebaseline_augmentation else t
    for t in _base_.train_pipeline
]
val_pipeline = [
    dict(t, input_size=codec['input_size']) if 'input_size' in t else t
    for t in _base_.val_pipeline
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
