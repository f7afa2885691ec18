// nokmem toolchain probe, compiled inside the tree being built (GOPATH mode, so its vendor/ is used) with the
// builder image's Go: marshal a map with the tree's own json-iterator, which iterates maps through
// github.com/modern-go/reflect2. A reflect2 older than v1.0.2 built with Go 1.18 or later crashes here (SIGSEGV),
// as the binary would on a node the first time it marshals a map.
package main

import (
	"fmt"
	"os"

	jsoniter "github.com/json-iterator/go"
)

func main() {
	out, err := jsoniter.ConfigCompatibleWithStandardLibrary.Marshal(map[string]string{"nokmem": "probe", "kmem": "off"})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Println(string(out))
}
