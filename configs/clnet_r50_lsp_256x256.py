# CLNet-ResNet50, LSP, 256x256 (paper Table 4: 94.9 PCK@0.2 on the LSP test
# set; Table 5: 13.4M params at stride 16). Training set: LSP's first 1000
# images + the 10000 of LSP-extended; test: LSP's last 1000. Make the json
# files with tools/dataset_converters/lsp2coco.py (see README).
_base_ = ['./clnet_r50_mpii_256x256.py']

model = dict(head=dict(num_keypoints=14))

default_hooks = dict(checkpoint=dict(save_best='tPCK', rule='greater'))

dataset_type = 'LspDataset'
data_root = 'data/lsp/'

train_dataloader = dict(
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        ann_file='annotations/lsp_train.json',
        data_prefix=dict(img='')))
val_dataloader = dict(
    dataset=dict(
        _delete_=True,
        type=dataset_type,
        data_root=data_root,
        data_mode='topdown',
        ann_file='annotations/lsp_test.json',
        data_prefix=dict(img=''),
        test_mode=True,
        pipeline={{_base_.val_pipeline}}))
test_dataloader = val_dataloader

# PCK@0.2 normalised by the torso, with LSP's joint order (section 4.1)
val_evaluator = dict(_delete_=True, type='LspPCKAccuracy', thr=0.2)
test_evaluator = val_evaluator
