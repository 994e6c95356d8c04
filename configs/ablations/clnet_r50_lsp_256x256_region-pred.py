# Offset-region ablation: the paper's region, cells where the *predicted*
# heatmap >= tau (eq. 5). Our default is 'union' (docs/loss_region.md).
_base_ = ['../clnet_r50_lsp_256x256.py']

model = dict(head=dict(loss=dict(region='pred')))
