package main

import (
	"context"
	"strings"
	"testing"
)

// evaluate names what is missing or wrong before it loads any data.
func TestEvaluateBadInput(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct {
		args []string
		want string
	}{
		{nil, "-train DIR is required"},
		{[]string{"-train", dir + "/none"}, "config.json"},
		{[]string{"-train", dir, "-preset", "huge"}, "unknown preset"},
	} {
		err := runEvaluate(context.Background(), c.args)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("evaluate %q: error %v, want one mentioning %q", c.args, err, c.want)
		}
	}
}
