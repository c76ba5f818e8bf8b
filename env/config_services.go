package env

import (
	"fmt"
	"maps"
	"slices"
	"strings"
)

// ServiceConfig is one [services.NAME] table as the user wrote it.
type ServiceConfig struct {
	Name          string
	Image         string
	Build         string
	Env           map[string]string
	Ports         []string
	Volumes       []string
	Healthcheck   string
	HealthTimeout string
}

// serviceKeys are the keys of a [services.NAME] table, for suggestions.
var serviceKeys = []string{"image", "build", "env", "ports", "volumes", "healthcheck", "health_timeout"}

// services reads the [services.NAME] tables, in name order.
func (d decoder) services(key string, v any) ([]ServiceConfig, error) {
	tbl, ok := v.(map[string]any)
	if !ok {
		return nil, d.errf(key, "%q must be tables: write [services.db] on its own line, then image = \"postgres:16\"", key)
	}
	out := make([]ServiceConfig, 0, len(tbl))
	for _, name := range slices.Sorted(maps.Keys(tbl)) {
		sc, err := d.service(key, name, tbl[name])
		if err != nil {
			return nil, err
		}
		out = append(out, sc)
	}
	return out, nil
}

// service reads one [services.NAME] table, its keys in file order.
func (d decoder) service(key, name string, v any) (ServiceConfig, error) {
	sc := ServiceConfig{Name: name}
	st, ok := v.(map[string]any)
	if !ok {
		return sc, d.errAt([]string{key, name}, "services.%s must be a table: write [services.%s] on its own line, then its keys", name, name)
	}
	for _, k := range d.inFileOrder([]string{key, name}, st) {
		at := []string{key, name, k}
		val := st[k]
		var err error
		str := func() string {
			s, isStr := val.(string)
			if !isStr {
				err = d.errAt(at, "[services.%s] %s must be a string in quotes, not %s", name, k, describe(val))
			}
			return s
		}
		list := func(example string) []string {
			items, isList := val.([]any)
			if !isList {
				err = d.errAt(at, "[services.%s] %s must be a list of strings, like %s = %s; got %s", name, k, k, example, describe(val))
				return nil
			}
			var ss []string
			for i, it := range items {
				s, isStr := it.(string)
				if !isStr {
					err = d.errAt(at, "[services.%s] %s item %d must be a string in quotes, not %s", name, k, i+1, describe(it))
					return nil
				}
				ss = append(ss, s)
			}
			return ss
		}
		switch k {
		case "image":
			sc.Image = str()
		case "build":
			sc.Build = str()
		case "healthcheck":
			sc.Healthcheck = str()
		case "health_timeout":
			sc.HealthTimeout = str()
		case "ports":
			sc.Ports = list(`["5432:5432"]`)
		case "volumes":
			sc.Volumes = list(`["pgdata:/var/lib/postgresql/data"]`)
		case "env":
			envTbl, isTbl := val.(map[string]any)
			if !isTbl {
				err = d.errAt(at, "[services.%s] env must be a table, like env = { POSTGRES_PASSWORD = \"dev\" }", name)
				break
			}
			sc.Env = map[string]string{}
			for _, ek := range d.inFileOrder(at, envTbl) {
				s, isText := envValue(envTbl[ek])
				if !isText {
					err = d.errAt(append(at, ek), "[services.%s] env %s must be a string, not %s", name, ek, describe(envTbl[ek]))
					break
				}
				sc.Env[ek] = s
			}
		default:
			msg := fmt.Sprintf("[services.%s]: unknown key %q", name, k)
			if s := suggest(k, serviceKeys); s != "" {
				msg += fmt.Sprintf(" (did you mean %q?)", s)
			} else {
				msg += " (a service has " + strings.Join(serviceKeys, ", ") + ")"
			}
			err = d.errAt(at, "%s", msg)
		}
		if err != nil {
			return sc, err
		}
	}
	return sc, nil
}
