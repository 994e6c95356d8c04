# Offset-region ablation: offsets supervised where the *target* heatmap
# >= tau, i.e. within 16.2 px of the keypoint (docs/loss_region.md).
_base_ = ['../clnet_r50_lsp_256x256.py']

model = dict(head=dict(loss=dict(region='gt')))
