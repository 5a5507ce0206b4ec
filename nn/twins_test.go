package nn

import (
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"
)

// TestTorchTwinsMatchConfigs reads the constructors of testdata/torch_models.py
// (def name(...): … return ResNet([widths], [blocks], stem, …)) and checks that
// every Go configuration a checkpoint can hold has a PyTorch twin of the same
// form, so that the two cannot drift apart and every checkpoint (the smoke
// preset's tiny model included) opens in PyTorch.
func TestTorchTwinsMatchConfigs(t *testing.T) {
	src, err := os.ReadFile("testdata/torch_models.py")
	if err != nil {
		t.Fatal(err)
	}
	ctor := regexp.MustCompile(`(?s)def (\w+)\(classes=10\):.*?return ResNet\(\[([\d, ]+)\], \[([\d, ]+)\], (\d+), classes=classes\)`)
	twins := map[string]string{}
	for _, m := range ctor.FindAllStringSubmatch(string(src), -1) {
		twins[m[1]] = fmt.Sprintf("widths [%s] blocks [%s] stem %s", m[2], m[3], m[4])
	}
	form := func(c ResNetConfig) string {
		list := func(v []int) string {
			s := make([]string, len(v))
			for i, x := range v {
				s[i] = fmt.Sprint(x)
			}
			return strings.Join(s, ", ")
		}
		return fmt.Sprintf("widths [%s] blocks [%s] stem %d", list(c.Widths), list(c.Blocks), c.StemKernel)
	}
	for name, c := range map[string]ResNetConfig{
		"resnet18": ResNet18Config, "resnet34": ResNet34Config,
		"small_resnet": SmallConfig, "tiny_resnet": TinyConfig,
	} {
		got, ok := twins[name]
		switch {
		case !ok:
			t.Errorf("torch_models.py has no %s() (found %v)", name, twins)
		case got != form(c):
			t.Errorf("torch_models.%s(): %s; the Go configuration: %s", name, got, form(c))
		}
		if c.InChannels != 1 || c.Classes != 10 {
			t.Errorf("%s: %d input channels, %d classes; the twins assume 1 and 10", name, c.InChannels, c.Classes)
		}
	}
}
