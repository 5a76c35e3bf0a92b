package simsrs

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// A minimal reader for SRS's nginx-like config: directives `name args...;` and blocks
// `name args { ... }`. It is strict about braces and semicolons, which is what makes a
// reload fail with ERROR_CONFIG_INVALID (1023) in the real server; it does not know the
// directive names, so unknown directives are accepted as SRS does for most of them.

type confDirective struct {
	Name     string
	Args     []string
	Children []*confDirective
}

func (d *confDirective) get(names ...string) *confDirective {
	cur := d
	for _, n := range names {
		var next *confDirective
		for _, c := range cur.Children {
			if c.Name == n {
				next = c
				break
			}
		}
		if next == nil {
			return nil
		}
		cur = next
	}
	return cur
}

func (d *confDirective) arg0() string {
	if d == nil || len(d.Args) == 0 {
		return ""
	}
	return d.Args[0]
}

func ParseConf(text string) (*confDirective, error) {
	toks, err := tokenizeConf(text)
	if err != nil {
		return nil, err
	}
	root := &confDirective{}
	stack := []*confDirective{root}
	var words []string
	for _, t := range toks {
		switch t.text {
		case ";":
			if !t.quoted {
				if len(words) == 0 {
					return nil, fmt.Errorf("line %d: empty directive", t.line)
				}
				top := stack[len(stack)-1]
				top.Children = append(top.Children, &confDirective{Name: words[0], Args: words[1:]})
				words = nil
				continue
			}
		case "{":
			if !t.quoted {
				if len(words) == 0 {
					return nil, fmt.Errorf("line %d: block without a name", t.line)
				}
				d := &confDirective{Name: words[0], Args: words[1:]}
				top := stack[len(stack)-1]
				top.Children = append(top.Children, d)
				stack = append(stack, d)
				words = nil
				continue
			}
		case "}":
			if !t.quoted {
				if len(words) != 0 {
					return nil, fmt.Errorf("line %d: directive %q not terminated by ';'", t.line, words[0])
				}
				if len(stack) == 1 {
					return nil, fmt.Errorf("line %d: unexpected '}'", t.line)
				}
				stack = stack[:len(stack)-1]
				continue
			}
		}
		words = append(words, t.text)
	}
	if len(words) != 0 {
		return nil, fmt.Errorf("directive %q not terminated by ';'", words[0])
	}
	if len(stack) != 1 {
		return nil, fmt.Errorf("block %q not closed", stack[len(stack)-1].Name)
	}
	return root, nil
}

type confToken struct {
	text   string
	quoted bool
	line   int
}

func tokenizeConf(text string) ([]confToken, error) {
	var toks []confToken
	line := 1
	for i := 0; i < len(text); {
		c := text[i]
		switch {
		case c == '\n':
			line++
			i++
		case c == ' ' || c == '\t' || c == '\r':
			i++
		case c == '#':
			for i < len(text) && text[i] != '\n' {
				i++
			}
		case c == ';' || c == '{' || c == '}':
			toks = append(toks, confToken{text: string(c), line: line})
			i++
		case c == '"' || c == '\'':
			j := strings.IndexByte(text[i+1:], c)
			if j < 0 {
				return nil, fmt.Errorf("line %d: unterminated quote", line)
			}
			word := text[i+1 : i+1+j]
			line += strings.Count(word, "\n")
			toks = append(toks, confToken{text: word, quoted: true, line: line})
			i += j + 2
		default:
			j := i
			for j < len(text) && !strings.ContainsRune(" \t\r\n;{}#", rune(text[j])) {
				j++
			}
			toks = append(toks, confToken{text: text[i:j], line: line})
			i = j
		}
	}
	return toks, nil
}

// srsSettings is what the simulator takes from a loaded srs.conf.
type Settings struct {
	RTMPPort          int
	APIEnabled        bool
	APIListen         string
	APIPort           int
	Crossdomain       bool
	RawAPI            bool
	AllowReload       bool
	AuthEnabled       bool // http_api.auth (SRS 5.0.152+ / 6.0.40+)
	AuthUsername      string
	AuthPassword      string
	HTTPServerEnabled bool
	HTTPServerPort    int
	InotifyReload     bool
	ForceGraceQuit    bool
	GraceStartWait    time.Duration
	GraceFinalWait    time.Duration
	ServerID          string
	ClusterMode       string // "local" (origin) or "remote" (edge), of __defaultVhost__
	Origins           []string
	OriginCluster     bool
	Coworkers         []string
	Vhosts            []string
	HLSEnabled        bool
	HLSFragment       float64
}

func confOn(d *confDirective, def bool) bool {
	if d == nil || len(d.Args) == 0 {
		return def
	}
	return d.Args[0] == "on"
}

func confMillis(d *confDirective, def int) time.Duration {
	ms := def
	if d != nil {
		if n, err := strconv.Atoi(d.arg0()); err == nil {
			ms = n
		}
	}
	return time.Duration(ms) * time.Millisecond
}

// listenPort takes "1985", "0.0.0.0:1985" or "[::]:1985".
func listenPort(s string, def int) int {
	if i := strings.LastIndex(s, ":"); i >= 0 {
		s = s[i+1:]
	}
	if n, err := strconv.Atoi(s); err == nil && n > 0 && n < 65536 {
		return n
	}
	return def
}

func SettingsFromConf(root *confDirective) Settings {
	s := Settings{
		RTMPPort:       listenPort(root.get("listen").arg0(), 1935),
		InotifyReload:  confOn(root.get("inotify_auto_reload"), false),
		ForceGraceQuit: confOn(root.get("force_grace_quit"), false),
		GraceStartWait: confMillis(root.get("grace_start_wait"), 2300),
		GraceFinalWait: confMillis(root.get("grace_final_wait"), 3200),
		ServerID:       root.get("server_id").arg0(),
	}
	if api := root.get("http_api"); api != nil {
		s.APIEnabled = confOn(api.get("enabled"), false)
		s.APIListen = api.get("listen").arg0()
		if s.APIListen == "" {
			s.APIListen = "1985"
		}
		s.APIPort = listenPort(s.APIListen, 1985)
		s.Crossdomain = confOn(api.get("crossdomain"), true)
		if raw := api.get("raw_api"); raw != nil {
			s.RawAPI = confOn(raw.get("enabled"), false)
			s.AllowReload = confOn(raw.get("allow_reload"), false)
		}
		if auth := api.get("auth"); auth != nil {
			s.AuthEnabled = confOn(auth.get("enabled"), false)
			s.AuthUsername = auth.get("username").arg0()
			s.AuthPassword = auth.get("password").arg0()
		}
	}
	if hs := root.get("http_server"); hs != nil {
		s.HTTPServerEnabled = confOn(hs.get("enabled"), false)
		s.HTTPServerPort = listenPort(hs.get("listen").arg0(), 8080)
	}
	for _, c := range root.Children {
		if c.Name != "vhost" {
			continue
		}
		name := c.arg0()
		s.Vhosts = append(s.Vhosts, name)
		if name != "__defaultVhost__" {
			continue
		}
		if cl := c.get("cluster"); cl != nil {
			s.ClusterMode = cl.get("mode").arg0()
			if o := cl.get("origin"); o != nil {
				s.Origins = append([]string(nil), o.Args...)
			}
			s.OriginCluster = confOn(cl.get("origin_cluster"), false)
			if cw := cl.get("coworkers"); cw != nil {
				s.Coworkers = append([]string(nil), cw.Args...)
			}
		}
		if hls := c.get("hls"); hls != nil {
			s.HLSEnabled = confOn(hls.get("enabled"), false)
			s.HLSFragment = 10
			if f, err := strconv.ParseFloat(hls.get("hls_fragment").arg0(), 64); err == nil {
				s.HLSFragment = f
			}
		}
	}
	if s.ClusterMode == "" {
		s.ClusterMode = "local"
	}
	return s
}

// defaultSRSConf stands in for the config baked into the image, used when no mounted
// srs.conf exists at the path SRS is started with (like conf/docker.conf in the image).
const DefaultConf = `listen              1935;
max_connections     1000;
daemon              off;
srs_log_tank        console;
http_api {
    enabled         on;
    listen          1985;
}
http_server {
    enabled         on;
    listen          8080;
    dir             ./objs/nginx/html;
}
vhost __defaultVhost__ {
    hls {
        enabled         on;
    }
    http_remux {
        enabled     on;
        mount       [vhost]/[app]/[stream].flv;
    }
}
`
