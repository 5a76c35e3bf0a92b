package simsrs

import (
	"encoding/base64"
	"net/http"
	"strings"
)

// HTTP API basic auth, as SRS 5.0.152+ / 6.0.40+ do it (SrsHttpAuthMux in
// srs_protocol_http_stack.cpp): with `http_api { auth { enabled on; username U; password P; } }`
// or SRS_HTTP_API_AUTH_ENABLED/USERNAME/PASSWORD (an env variable counts when set and
// non-empty and wins over the file), every request whose path contains "/api/" needs
// `Authorization: Basic base64(U:P)`. Without it, or with the wrong user or password, SRS
// answers 401 with `WWW-Authenticate: Basic` and an empty body; a malformed header (not
// "Basic ", bad base64, no single ":") gets the 401 without the challenge. Older versions
// ignore the block. SRS sets the same switch on HTTP-server connections, so /api/ paths on
// the http_server port are guarded too.

type apiAuth struct {
	Enabled            bool
	Username, Password string
}

// hasAPIAuth: the auth block exists from 5.0.152 and 6.0.40 on (and in every later major).
func (v Version) hasAPIAuth() bool {
	switch {
	case v.Major >= 7:
		return true
	case v.Major == 6:
		return v.Minor > 0 || v.Revision >= 40
	case v.Major == 5:
		return v.Minor > 0 || v.Revision >= 152
	}
	return false
}

// effectiveAPIAuth applies the SRS_HTTP_API_AUTH_* environment over the file's settings.
func effectiveAPIAuth(s Settings, env map[string]string) apiAuth {
	a := apiAuth{Enabled: s.AuthEnabled, Username: s.AuthUsername, Password: s.AuthPassword}
	if v := env["SRS_HTTP_API_AUTH_ENABLED"]; v != "" {
		a.Enabled = v == "on"
	}
	if v := env["SRS_HTTP_API_AUTH_USERNAME"]; v != "" {
		a.Username = v
	}
	if v := env["SRS_HTTP_API_AUTH_PASSWORD"]; v != "" {
		a.Password = v
	}
	return a
}

// checkAPIAuth reports whether the request may pass, and whether a refusal carries the
// WWW-Authenticate challenge.
func checkAPIAuth(a apiAuth, r *http.Request) (ok, challenge bool) {
	if !a.Enabled || !strings.Contains(r.URL.Path, "/api/") {
		return true, false
	}
	header := r.Header.Get("Authorization")
	if header == "" {
		return false, true
	}
	if !strings.Contains(header, "Basic ") {
		return false, false
	}
	token := strings.Replace(header, "Basic ", "", 1)
	if token == "" {
		return false, false
	}
	plain, err := base64.StdEncoding.DecodeString(token)
	if err != nil {
		return false, false
	}
	parts := strings.Split(string(plain), ":")
	if len(parts) != 2 {
		return false, false
	}
	if parts[0] != a.Username || parts[1] != a.Password {
		return false, true
	}
	return true, false
}

// writeUnauthorized answers like SRS: 401, empty chunked body.
func writeUnauthorized(w http.ResponseWriter, challenge bool) {
	if challenge {
		w.Header().Set("WWW-Authenticate", "Basic")
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(http.StatusUnauthorized)
	if f, ok := w.(http.Flusher); ok {
		f.Flush()
	}
}

// authorized answers the request with a 401 and returns false when the running SRS
// guards its API and the request lacks the right credentials.
func (p *Proc) authorized(w http.ResponseWriter, r *http.Request) bool {
	p.Mu.Lock()
	v := p.versionLocked()
	a := effectiveAPIAuth(p.settings, p.hooks.Env)
	p.Mu.Unlock()
	if !v.hasAPIAuth() {
		return true
	}
	ok, challenge := checkAPIAuth(a, r)
	if !ok {
		writeUnauthorized(w, challenge)
	}
	return ok
}
