package cifar_test

import (
	"context"
	"flag"
	"fmt"
	"log"

	"github.com/brainreg/brainreg/data/cifar"
)

// A training program: find (or download) CIFAR-10, reserve the neural stimulus set, hold out a
// validation split, and stream augmented batches; resume from a checkpoint's (epoch, step).
func Example() {
	var opt cifar.Options
	opt.AddFlags(flag.CommandLine) // -data, -skip-verify, -download, -cache
	flag.Parse()
	data, err := cifar.Load(context.Background(), cifar.CIFAR10(), opt)
	if err != nil {
		log.Fatal(err)
	}
	split, err := cifar.NewSplit(data.Train, cifar.DefaultSplitConfig())
	if err != nil {
		log.Fatal(err)
	}
	cfg := cifar.TrainConfig(64, 1) // shuffled, augmented, 5·(x − 0.5), batches of 64
	cfg.Epochs = 40
	cfg.StartEpoch, cfg.StartStep = 0, 0 // from a checkpoint: the last batch's NextEpoch, NextStep
	train, err := cifar.NewLoader(data.Train, split.Train, cfg)
	if err != nil {
		log.Fatal(err)
	}
	defer train.Close()
	for b, ok := train.Next(); ok; b, ok = train.Next() {
		_ = b.X      // [64,1,32,32] float32
		_ = b.Labels // [64]
		b.Release()
	}
	test, err := cifar.NewLoader(data.Test, nil, cifar.EvalConfig(500))
	if err != nil {
		log.Fatal(err)
	}
	defer test.Close()
	for b, ok := test.Next(); ok; b, ok = test.Next() {
		b.Release()
	}
	// The neural pipeline's images: grayscale [5100][32][32] in [0, 1], never classified.
	idx, gray, _ := cifar.NeuralStimuli(data.Train, cifar.DefaultStimuli, 1)
	fmt.Println(len(idx), len(gray))
}
