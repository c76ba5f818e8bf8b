package env

// decodeSpare reads spare = true|false in devenv.toml.
func decodeSpare(d decoder, c *Config, key string, v any) (err error) {
	c.Spare, err = d.optBool(key, v)
	return err
}

// optBool reads a boolean that may be left unset, so that a project can say false
// over a user's true and the other way round.
func (d decoder) optBool(key string, v any) (*bool, error) {
	b, err := d.boolean(key, v)
	if err != nil {
		return nil, err
	}
	return &b, nil
}

// spareSetting is the spare switch: devenv.toml over the user's config, and off
// when neither says (the environment variable DEVENV_SPARE is read at run time).
// Off by default until the end-to-end suite has run with spares on throughout: the
// promises of docs/RELIABILITY.md that speak of "no container left" count a spare.
func spareSetting(user, project *bool) bool {
	if project != nil {
		return *project
	}
	if user != nil {
		return *user
	}
	return false
}
