# Loss ablation (b) of section 4.3: G-RMI's loss (Papandreou et al. 2017), a
# binary disk heatmap trained with a logistic loss and offsets on the
# positive cells (paper: 93.7 PCK@0.2 on LSP, against 94.9).
_base_ = ['../clnet_r50_lsp_256x256.py']

model = dict(
    head=dict(
        # the heatmaps are logits: decode (and flip-merge) probabilities
        heatmap_act='sigmoid',
        loss=dict(
            _delete_=True,
            type='GRMILoss',
            # stride: the decoder's, passed on by the head
            radius=16.0,  # about where CL's Gaussian reaches tau (16.17 px)
            heatmap_weight=4.0,  # G-RMI's weights
            offset_weight=1.0)))
