package cifar_test

import (
	"github.com/brainreg/brainreg/data/cifar"
	"github.com/brainreg/brainreg/data/datatest"
)

// Package cifar's own tests find the real CIFAR-10 by datatest's rule, like every other test, but
// cannot import datatest (it imports cifar, for the download cache). This file, of the external
// test package, is built into the same test binary and hands them datatest.CIFAR10Dir before any
// test runs.
func init() { cifar.RealCIFAR10Dir = datatest.CIFAR10Dir }
