// Package sensorium reads the SENSORIUM 2022 mouse V1 recordings (Willeke,
// Fahey et al. 2022, arXiv 2206.08666), one scan per zip file
// static<animal>-<session>-<scan>-GrayImageNet-<hash>.zip, directly from the
// zip (archive/zip, entry by entry, nothing unpacked to disk) or from its
// unzipped folder, and converts a scan to the project's recordings format
// (package data/neural).
//
//	t, err := sensorium.Open("static26872-17-20-GrayImageNet-94c6ff995dac583098847cfecd43e7b6.zip")
//	defer t.Close()
//	rec, err := t.Read(ctx, sensorium.ReadOptions{Progress: func(done, total int) { … }})
//	conv, err := sensorium.Convert(rec, sensorium.ConvertOptions{})
//	err = neural.Write(dir, conv.Manifest, []*neural.Scan{conv.Scan})
//
// # Layout read (the neuralpredictors "file tree" format)
//
// What this package relies on, checked against the public sources
// sinzlab/sensorium notebooks/dataset_tutorial/README.md and
// sensorium/datasets/mouse_loaders.py (static_loader), and sinzlab/neuralpredictors
// neuralpredictors/data/datasets/base.py (FileTreeDatasetBase),
// statics/filetree.py (FileTreeDataset) and data/utils.py
// (convert_static_h5_dataset_to_folder, zip_dir):
//
//	[<top>/]data/images/<i>.npy             (1, H, W), H×W = 144×256: uint8 or float of 0–255 values; (H, W) accepted
//	[<top>/]data/responses/<i>.npy          (neurons,) float32 or float64; (1, neurons) accepted
//	[<top>/]data/behavior/<i>.npy           (3,) pupil dilation, its derivative, running speed; (1, 3) accepted
//	[<top>/]data/pupil_center/<i>.npy       (2,) horizontal, vertical eye position; (1, 2) accepted
//	[<top>/]meta/trials/tiers.npy           (trials,) strings: train, validation, test, final_test
//	[<top>/]meta/trials/frame_image_id.npy  (trials,) integers: the image shown, the same for its repeats
//	[<top>/]meta/trials/trial_idx.npy       (trials,) optional: presentation order (hashed in the competition scans)
//	[<top>/]meta/neurons/unit_ids.npy       (neurons,) optional
//	[<top>/]meta/neurons/cell_motor_coordinates.npy (neurons, 3) optional
//	[<top>/]meta/statistics/…               ignored, as are meta/neurons' other files
//
// In detail:
//
//   - Trial i is the files named <i>.npy in every data/ folder and row i of
//     every meta/trials array (FileTreeDatasetBase.__getitem__ loads
//     data/<key>/<i>.npy and trial_info[key][i]); the number of trials is the
//     length of tiers.npy, and every data/ folder must hold exactly the files
//     0.npy … (trials−1).npy. The file names say nothing of presentation order.
//   - zip_dir stores paths relative to the folder's parent, so a zip made by
//     neuralpredictors has one top folder named like the zip; the tutorial
//     says unzipping gives data/ and meta/ directly. Both are accepted: the
//     tree's root is where meta/trials/tiers.npy is, at the top or one folder
//     down. Entries may come in any order; other entries are ignored.
//   - Images shown repeatedly (the test tier, and final_test in the two
//     competition scans) share a frame_image_id (the oracle repeats of
//     neuralpredictors are grouped by it within the test tier).
//   - In the competition scans 26872-17-20 and 27204-5-13 the responses of
//     the test and final_test tiers are present but zero (withheld), and in
//     26872-17-20 behaviour and pupil centre are zeroed too.
//
// # What Read does with it
//
// Read keeps each distinct image once (by frame_image_id, sorted by id) and
// maps every trial to it; repeats whose pixels differ from the first
// showing give a warning. A tier whose responses are zero in every trial is
// withheld: not an error, its trials are dropped (unless
// ReadOptions.KeepWithheld) and a warning names it. Every other
// inconsistency is an error naming the file: a missing or extra trial file,
// a response length that differs from trial 0's, NaN or Inf in responses,
// images or behaviour, a truncated or corrupt .npy, a corrupt zip.
//
// Memory: the zip is read through its central directory and one entry at a
// time per goroutine; the arrays returned are what is held. By default
// these are float32 images at full resolution (≈ 0.75 GB for a full scan of
// ≈ 5,100 distinct 144×256 images) and the responses (≈ 0.19 GB for 6,000
// trials × 8,000 neurons). ReadOptions.Resize resizes each image as it is
// read and keeps only the sizes asked for (36×64 and 32×32: ≈ 68 MB for
// 5,100 images), a full-resolution image being held only while it is read,
// one per goroutine; Convert takes its images from them. Recording.ImageHash
// identifies each image's content either way.
//
// # Conversion (Convert)
//
// Images shown once (train and validation tiers) become the single-trial
// images of the similarity target; images shown in several trials (the test
// tier) become the manifest's oracle images, their trials the repeats.
// Images go to two resolutions by one rule (see Resize): a centre crop to the
// target's aspect ratio, then area averaging; 36×64 for the predictor (the
// scan's images; the SENSORIUM baselines' scale 0.25 of 144×256) and 32×32
// for the CNN. Behaviour maps to neural.BehaviorColumns as pupil_x =
// pupil_center[0], pupil_y = pupil_center[1], pupil_size = behavior[0]
// (pupil dilation), running_speed = behavior[2]; behavior[1] (the
// dilation's derivative) is dropped. ConversionManifest records all this.
package sensorium
