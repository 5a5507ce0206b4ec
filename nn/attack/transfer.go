package attack

import "context"

// TransferResult is the outcome of a transfer attack.
type TransferResult struct {
	SourceAccuracy float64   // the source model's accuracy on the adversarial images (its robust accuracy)
	TargetAccuracy []float64 // each target model's accuracy on them
	TargetCleanAcc []float64 // each target model's accuracy on the clean images, for comparison
	Adv            Images    // the adversarial images, labelled as the originals
}

// Transfer makes adversarial images with PGD on the source model (usually
// the baseline) and measures every target's accuracy on them. A target
// whose robustness under its own gradients is much higher than under
// transferred examples is masking its gradients rather than being robust.
// Predictions run in batches of batch images.
func Transfer(ctx context.Context, source Model, targets []Model, im Images, cfg PGDConfig, batch, threads int) (*TransferResult, error) {
	r, err := PGD(ctx, source, im, cfg, threads)
	if err != nil {
		return nil, err
	}
	res := &TransferResult{SourceAccuracy: r.Accuracy(), Adv: Images{X: r.Adv, Shape: im.Shape, Labels: im.Labels}}
	for _, t := range targets {
		a, err := Accuracy(ctx, t, res.Adv, batch, threads)
		if err != nil {
			return nil, err
		}
		c, err := Accuracy(ctx, t, im, batch, threads)
		if err != nil {
			return nil, err
		}
		res.TargetAccuracy = append(res.TargetAccuracy, a)
		res.TargetCleanAcc = append(res.TargetCleanAcc, c)
	}
	return res, nil
}
