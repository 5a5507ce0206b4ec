package sensorium

import (
	"fmt"
	"slices"
	"strings"
)

// dropWithheld finds the tiers whose responses are zero in every trial (the
// competition scans' test and final_test: the files are there, the
// responses zeroed), lists them in Withheld with a warning each, and unless
// keep drops their trials and the images only they showed. A scan in which
// every tier is withheld has no responses to use and is an error.
func (r *Recording) dropWithheld(keep bool) error {
	var tiers []string
	trials := map[string]int{}
	nonzero := map[string]bool{}
	for i, tier := range r.Tier {
		if _, seen := trials[tier]; !seen {
			tiers = append(tiers, tier)
		}
		trials[tier]++
		if !nonzero[tier] && !allZero(r.Responses[i*r.Neurons:(i+1)*r.Neurons]) {
			nonzero[tier] = true
		}
	}
	withheld := map[string]bool{}
	for _, tier := range tiers {
		if nonzero[tier] {
			continue
		}
		withheld[tier] = true
		r.Withheld = append(r.Withheld, tier)
		what := "its trials are dropped and the similarity target will not use it"
		if keep {
			what = "its trials are kept (ReadOptions.KeepWithheld), but their zeros are not responses"
		}
		r.Warnings = append(r.Warnings, fmt.Sprintf("tier %q is withheld: the responses of all its %d trials are zero; %s", tier, trials[tier], what))
	}
	if len(r.Withheld) == len(tiers) {
		return fmt.Errorf("every tier (%s) is withheld: the responses are zero in all %d trials", strings.Join(tiers, ", "), r.Trials)
	}
	if keep || len(r.Withheld) == 0 {
		return nil
	}
	kept := make([]bool, r.Trials)
	for i, tier := range r.Tier {
		kept[i] = !withheld[tier]
	}
	r.keepTrials(kept)
	return nil
}

// keepTrials keeps, in order, the trials i with kept[i] and the images they
// show, compacting every per-trial and per-image array in place.
func (r *Recording) keepTrials(kept []bool) {
	nn, hw := r.Neurons, r.Height*r.Width
	used := make([]bool, r.NumImages)
	n := 0
	for i, ok := range kept {
		if !ok {
			continue
		}
		copy(r.Responses[n*nn:(n+1)*nn], r.Responses[i*nn:(i+1)*nn])
		r.TrialImage[n], r.TrialFile[n], r.Tier[n] = r.TrialImage[i], r.TrialFile[i], r.Tier[i]
		if r.TrialIdx != nil {
			r.TrialIdx[n] = r.TrialIdx[i]
		}
		if r.Behavior != nil {
			copy(r.Behavior[3*n:3*n+3], r.Behavior[3*i:3*i+3])
			copy(r.PupilCenter[2*n:2*n+2], r.PupilCenter[2*i:2*i+2])
		}
		used[r.TrialImage[n]] = true
		n++
	}
	r.Trials = n
	r.Responses, r.TrialImage, r.TrialFile, r.Tier = r.Responses[:n*nn], r.TrialImage[:n], r.TrialFile[:n], r.Tier[:n]
	if r.TrialIdx != nil {
		r.TrialIdx = r.TrialIdx[:n]
	}
	if r.Behavior != nil {
		r.Behavior, r.PupilCenter = r.Behavior[:3*n], r.PupilCenter[:2*n]
	}

	index := make([]int, r.NumImages)
	m := 0
	for k, ok := range used {
		if !ok {
			continue
		}
		if r.Images != nil {
			copy(r.Images[m*hw:(m+1)*hw], r.Images[k*hw:(k+1)*hw])
		}
		for _, z := range r.Resized {
			sz := z.Size.Height * z.Size.Width
			copy(z.Images[m*sz:(m+1)*sz], z.Images[k*sz:(k+1)*sz])
		}
		r.ImageID[m] = r.ImageID[k]
		if r.ImageHash != nil {
			r.ImageHash[m] = r.ImageHash[k]
		}
		index[k] = m
		m++
	}
	r.NumImages, r.ImageID = m, r.ImageID[:m]
	if r.Images != nil {
		r.Images = r.Images[:m*hw]
	}
	for j, z := range r.Resized {
		r.Resized[j].Images = z.Images[:m*z.Size.Height*z.Size.Width]
	}
	if r.ImageHash != nil {
		r.ImageHash = r.ImageHash[:m]
	}
	for i, k := range r.TrialImage {
		r.TrialImage[i] = index[k]
	}
}

// withoutWithheld is r itself when no trial belongs to a withheld tier,
// else a copy without those trials and the images only they showed (the
// copy costs the arrays' memory once more; only ReadOptions.KeepWithheld
// leaves such trials in a Recording).
func (r *Recording) withoutWithheld() *Recording {
	kept := make([]bool, r.Trials)
	some := false
	for i, tier := range r.Tier {
		kept[i] = !slices.Contains(r.Withheld, tier)
		some = some || !kept[i]
	}
	if !some {
		return r
	}
	c := *r
	c.Images, c.ImageID, c.ImageHash = slices.Clone(r.Images), slices.Clone(r.ImageID), slices.Clone(r.ImageHash)
	c.Resized = slices.Clone(r.Resized)
	for j := range c.Resized {
		c.Resized[j].Images = slices.Clone(r.Resized[j].Images)
	}
	c.Responses, c.TrialImage, c.TrialFile, c.Tier = slices.Clone(r.Responses), slices.Clone(r.TrialImage), slices.Clone(r.TrialFile), slices.Clone(r.Tier)
	c.TrialIdx, c.Behavior, c.PupilCenter = slices.Clone(r.TrialIdx), slices.Clone(r.Behavior), slices.Clone(r.PupilCenter)
	c.keepTrials(kept)
	return &c
}
