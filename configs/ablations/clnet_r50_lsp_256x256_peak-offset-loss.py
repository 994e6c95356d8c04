# Loss ablation (a) of section 4.3: the usual Gaussian heatmap MSE and an MSE
# on the offsets of the target's peak cell only (paper: 93.2 PCK@0.2 on LSP,
# against 94.9 with the composite loss).
_base_ = ['../clnet_r50_lsp_256x256.py']

model = dict(
    head=dict(
        loss=dict(
            _delete_=True,
            type='CLPeakOffsetLoss',
            heatmap_weight=0.5,
            offset_weight=2.0)))
