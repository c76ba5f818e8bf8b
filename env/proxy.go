package env

import (
	"os"
)

// proxyVars are passed to builds and containers from the host, never baked in: the
// engine keeps these build arguments out of the image's history.
var proxyVars = []string{"HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "FTP_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "no_proxy", "ftp_proxy", "all_proxy"}

func proxyBuildArgs() map[string]*string {
	args := map[string]*string{}
	for _, k := range proxyVars {
		if v, ok := os.LookupEnv(k); ok {
			args[k] = &v
		}
	}
	return args
}

func proxyEnv() []string {
	var out []string
	for _, k := range proxyVars {
		if v, ok := os.LookupEnv(k); ok {
			out = append(out, k+"="+v)
		}
	}
	return out
}
