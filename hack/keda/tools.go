//go:build tools

// Package tools keeps github.com/kedacore/keda/v2 required through `go mod
// tidy`; nothing here is built.
package tools

import _ "github.com/kedacore/keda/v2/apis/keda/v1alpha1"
