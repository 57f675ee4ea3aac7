package functions

// The doors of the HTTP access service (package gateway): requests to event
// functions go through Run (entry.go), requests to web functions (Type
// HTTP) through WebFunction (webfn.go); Web tells them apart.

// Web reports whether a function is a web function (Type HTTP): the gateway
// proxies to it (WebFunction) instead of invoking it with an event.
// ErrNoSuchFunction when there is no such function.
func (m *Module) Web(env, name string) (bool, error) {
	rec, err := m.lookupShared(env, name)
	if err != nil || rec == nil {
		return false, ErrNoSuchFunction
	}
	sp := rec.Live
	if sp == nil {
		sp = &rec.Spec
	}
	return sp.Type == "HTTP", nil
}
