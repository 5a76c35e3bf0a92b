package simsrs

import (
	"strconv"
	"strings"
)

// JSON shapes of the SRS HTTP API, written from the captures described in
// test/fixtures/srs-api/README.md. Field order follows the real server (encoding/json
// keeps struct order). Fields a version lacks are pointers with omitempty and stay nil:
// v4 (and 3.x) has no service/pid envelope, no stream tcUrl/url and no client
// name/send_bytes/recv_bytes.

// jfloat marshals like SRS prints doubles: always with a decimal point (10.0, 0.17), so a
// float field never turns into an integer in the JSON.
type jfloat float64

func (f jfloat) MarshalJSON() ([]byte, error) {
	s := strconv.FormatFloat(float64(f), 'f', 2, 64)
	s = strings.TrimRight(s, "0")
	if strings.HasSuffix(s, ".") {
		s += "0"
	}
	return []byte(s), nil
}

type envelope struct {
	Code    int    `json:"code"`
	Server  string `json:"server"`
	Service string `json:"service,omitempty"` // 5.0+ only
	PID     string `json:"pid,omitempty"`     // 5.0+ only; a string here, an int in summaries
}

type codeOnly struct {
	Code int `json:"code"`
}

type rootDoc struct {
	envelope
	URLs struct {
		API string `json:"api"`
		RTC struct {
			V1 struct {
				Play    string `json:"play"`
				Publish string `json:"publish"`
				Nack    string `json:"nack"`
			} `json:"v1"`
		} `json:"rtc"`
	} `json:"urls"`
}

type apiDoc struct {
	envelope
	URLs struct {
		V1 string `json:"v1"`
	} `json:"urls"`
}

type apiV1URLs struct {
	Versions        string `json:"versions"`
	Summaries       string `json:"summaries"`
	Rusages         string `json:"rusages"`
	SelfProcStats   string `json:"self_proc_stats"`
	SystemProcStats string `json:"system_proc_stats"`
	Meminfos        string `json:"meminfos"`
	Authors         string `json:"authors"`
	Features        string `json:"features"`
	Requests        string `json:"requests"`
	Vhosts          string `json:"vhosts"`
	Streams         string `json:"streams"`
	Clients         string `json:"clients"`
	Raw             string `json:"raw"`
	Clusters        string `json:"clusters"`
	Perf            string `json:"perf"`
	Tcmalloc        string `json:"tcmalloc"`
}

type apiV1Tests struct {
	Requests  string `json:"requests"`
	Errors    string `json:"errors"`
	Redirects string `json:"redirects"`
	Vhost     string `json:"[vhost]"`
}

type apiV1Index struct {
	envelope
	URLs  apiV1URLs  `json:"urls"`
	Tests apiV1Tests `json:"tests"`
}

type versionsResp struct {
	envelope
	Data struct {
		Major    int    `json:"major"`
		Minor    int    `json:"minor"`
		Revision int    `json:"revision"`
		Version  string `json:"version"`
	} `json:"data"`
}

type summarySelf struct {
	Version    string `json:"version"`
	PID        int    `json:"pid"`
	PPID       int    `json:"ppid"`
	Argv       string `json:"argv"`
	Cwd        string `json:"cwd"`
	MemKbyte   int64  `json:"mem_kbyte"`
	MemPercent jfloat `json:"mem_percent"`
	CPUPercent jfloat `json:"cpu_percent"`
	SRSUptime  int64  `json:"srs_uptime"`
}

type summarySystem struct {
	CPUPercent      jfloat `json:"cpu_percent"`
	DiskReadKBps    int64  `json:"disk_read_KBps"`
	DiskWriteKBps   int64  `json:"disk_write_KBps"`
	DiskBusyPercent jfloat `json:"disk_busy_percent"`
	MemRAMKbyte     int64  `json:"mem_ram_kbyte"`
	MemRAMPercent   jfloat `json:"mem_ram_percent"`
	MemSwapKbyte    int64  `json:"mem_swap_kbyte"`
	MemSwapPercent  jfloat `json:"mem_swap_percent"`
	CPUs            int    `json:"cpus"`
	CPUsOnline      int    `json:"cpus_online"`
	Uptime          jfloat `json:"uptime"`
	IldeTime        jfloat `json:"ilde_time"` // sic: SRS spells it this way
	Load1m          jfloat `json:"load_1m"`
	Load5m          jfloat `json:"load_5m"`
	Load15m         jfloat `json:"load_15m"`
	NetSampleTime   int64  `json:"net_sample_time"`
	NetRecvBytes    int64  `json:"net_recv_bytes"`
	NetSendBytes    int64  `json:"net_send_bytes"`
	NetRecviBytes   int64  `json:"net_recvi_bytes"`
	NetSendiBytes   int64  `json:"net_sendi_bytes"`
	SRSSampleTime   int64  `json:"srs_sample_time"`
	SRSRecvBytes    int64  `json:"srs_recv_bytes"`
	SRSSendBytes    int64  `json:"srs_send_bytes"`
	ConnSys         int    `json:"conn_sys"`
	ConnSysET       int    `json:"conn_sys_et"`
	ConnSysTW       int    `json:"conn_sys_tw"`
	ConnSysUDP      int    `json:"conn_sys_udp"`
	ConnSRS         int    `json:"conn_srs"`
}

type summariesResp struct {
	envelope
	Data struct {
		OK     bool          `json:"ok"`
		NowMs  int64         `json:"now_ms"`
		Self   summarySelf   `json:"self"`
		System summarySystem `json:"system"`
	} `json:"data"`
}

type rusagesResp struct {
	envelope
	Data struct {
		OK         bool  `json:"ok"`
		SampleTime int64 `json:"sample_time"`
		RuUtime    int64 `json:"ru_utime"`
		RuStime    int64 `json:"ru_stime"`
		RuMaxrss   int64 `json:"ru_maxrss"`
		RuIxrss    int64 `json:"ru_ixrss"`
		RuIdrss    int64 `json:"ru_idrss"`
		RuIsrss    int64 `json:"ru_isrss"`
		RuMinflt   int64 `json:"ru_minflt"`
		RuMajflt   int64 `json:"ru_majflt"`
		RuNswap    int64 `json:"ru_nswap"`
		RuInblock  int64 `json:"ru_inblock"`
		RuOublock  int64 `json:"ru_oublock"`
		RuMsgsnd   int64 `json:"ru_msgsnd"`
		RuMsgrcv   int64 `json:"ru_msgrcv"`
		RuNsignals int64 `json:"ru_nsignals"`
		RuNvcsw    int64 `json:"ru_nvcsw"`
		RuNivcsw   int64 `json:"ru_nivcsw"`
	} `json:"data"`
}

type selfProcStatsResp struct {
	envelope
	Data struct {
		OK                  bool   `json:"ok"`
		SampleTime          int64  `json:"sample_time"`
		Percent             jfloat `json:"percent"`
		PID                 int    `json:"pid"`
		Comm                string `json:"comm"`
		State               string `json:"state"`
		PPID                int    `json:"ppid"`
		Pgrp                int    `json:"pgrp"`
		Session             int    `json:"session"`
		TTYNr               int    `json:"tty_nr"`
		Tpgid               int    `json:"tpgid"`
		Flags               int64  `json:"flags"`
		Minflt              int64  `json:"minflt"`
		Cminflt             int64  `json:"cminflt"`
		Majflt              int64  `json:"majflt"`
		Cmajflt             int64  `json:"cmajflt"`
		Utime               int64  `json:"utime"`
		Stime               int64  `json:"stime"`
		Cutime              int64  `json:"cutime"`
		Cstime              int64  `json:"cstime"`
		Priority            int64  `json:"priority"`
		Nice                int64  `json:"nice"`
		NumThreads          int64  `json:"num_threads"`
		Itrealvalue         int64  `json:"itrealvalue"`
		Starttime           int64  `json:"starttime"`
		Vsize               int64  `json:"vsize"`
		RSS                 int64  `json:"rss"`
		RSSlim              int64  `json:"rsslim"`
		Startcode           int64  `json:"startcode"`
		Endcode             int64  `json:"endcode"`
		Startstack          int64  `json:"startstack"`
		Kstkesp             int64  `json:"kstkesp"`
		Kstkeip             int64  `json:"kstkeip"`
		Signal              int64  `json:"signal"`
		Blocked             int64  `json:"blocked"`
		Sigignore           int64  `json:"sigignore"`
		Sigcatch            int64  `json:"sigcatch"`
		Wchan               int64  `json:"wchan"`
		Nswap               int64  `json:"nswap"`
		Cnswap              int64  `json:"cnswap"`
		ExitSignal          int64  `json:"exit_signal"`
		Processor           int64  `json:"processor"`
		RTPriority          int64  `json:"rt_priority"`
		Policy              int64  `json:"policy"`
		DelayacctBlkioTicks int64  `json:"delayacct_blkio_ticks"`
		GuestTime           int64  `json:"guest_time"`
		CguestTime          int64  `json:"cguest_time"`
	} `json:"data"`
}

type systemProcStatsResp struct {
	envelope
	Data struct {
		OK         bool   `json:"ok"`
		SampleTime int64  `json:"sample_time"`
		Percent    jfloat `json:"percent"`
		User       int64  `json:"user"`
		Nice       int64  `json:"nice"`
		Sys        int64  `json:"sys"`
		Idle       int64  `json:"idle"`
		IOWait     int64  `json:"iowait"`
		IRQ        int64  `json:"irq"`
		SoftIRQ    int64  `json:"softirq"`
		Steal      int64  `json:"steal"`
		Guest      int64  `json:"guest"`
	} `json:"data"`
}

type meminfosResp struct {
	envelope
	Data struct {
		OK          bool   `json:"ok"`
		SampleTime  int64  `json:"sample_time"`
		PercentRAM  jfloat `json:"percent_ram"`
		PercentSwap jfloat `json:"percent_swap"`
		MemActive   int64  `json:"MemActive"`
		RealInUse   int64  `json:"RealInUse"`
		NotInUse    int64  `json:"NotInUse"`
		MemTotal    int64  `json:"MemTotal"`
		MemFree     int64  `json:"MemFree"`
		Buffers     int64  `json:"Buffers"`
		Cached      int64  `json:"Cached"`
		SwapTotal   int64  `json:"SwapTotal"`
		SwapFree    int64  `json:"SwapFree"`
	} `json:"data"`
}

type authorsResp struct {
	envelope
	Data struct {
		License      string `json:"license"`
		Contributors string `json:"contributors"`
	} `json:"data"`
}

type featuresResp struct {
	envelope
	Data struct {
		Options  string `json:"options"`
		Options2 string `json:"options2"`
		Build    string `json:"build"`
		Build2   string `json:"build2"`
		Features struct {
			SSL         bool `json:"ssl"`
			HLS         bool `json:"hls"`
			HDS         bool `json:"hds"`
			Callback    bool `json:"callback"`
			API         bool `json:"api"`
			HTTPD       bool `json:"httpd"`
			DVR         bool `json:"dvr"`
			Transcode   bool `json:"transcode"`
			Ingest      bool `json:"ingest"`
			Stat        bool `json:"stat"`
			Caster      bool `json:"caster"`
			ComplexSend bool `json:"complex_send"`
			TCPNodelay  bool `json:"tcp_nodelay"`
			SoSendbuf   bool `json:"so_sendbuf"`
			MR          bool `json:"mr"`
		} `json:"features"`
	} `json:"data"`
}

type kbpsJSON struct {
	Recv30s int64 `json:"recv_30s"`
	Send30s int64 `json:"send_30s"`
}

type vhostJSON struct {
	ID        string   `json:"id"`
	Name      string   `json:"name"`
	Enabled   bool     `json:"enabled"`
	Clients   int      `json:"clients"`
	Streams   int      `json:"streams"`
	SendBytes int64    `json:"send_bytes"`
	RecvBytes int64    `json:"recv_bytes"`
	Kbps      kbpsJSON `json:"kbps"`
	HLS       struct {
		Enabled  bool   `json:"enabled"`
		Fragment jfloat `json:"fragment"`
	} `json:"hls"`
}

type videoJSON struct {
	Codec   string `json:"codec"`
	Profile string `json:"profile"`
	Level   string `json:"level"`
	Width   int    `json:"width"`
	Height  int    `json:"height"`
}

type audioJSON struct {
	Codec      string `json:"codec"`
	SampleRate int    `json:"sample_rate"`
	Channel    int    `json:"channel"`
	Profile    string `json:"profile"`
}

type streamJSON struct {
	ID        string   `json:"id"`
	Name      string   `json:"name"`
	Vhost     string   `json:"vhost"`
	App       string   `json:"app"`
	TcURL     *string  `json:"tcUrl,omitempty"` // 5.0+
	URL       *string  `json:"url,omitempty"`   // 5.0+
	LiveMs    int64    `json:"live_ms"`
	Clients   int      `json:"clients"`
	Frames    int64    `json:"frames"`
	SendBytes int64    `json:"send_bytes"`
	RecvBytes int64    `json:"recv_bytes"`
	Kbps      kbpsJSON `json:"kbps"`
	Publish   struct {
		Active bool   `json:"active"`
		CID    string `json:"cid"`
	} `json:"publish"`
	Video *videoJSON `json:"video"` // null until the codec is known
	Audio *audioJSON `json:"audio"`
}

type clientJSON struct {
	ID        string   `json:"id"`
	Vhost     string   `json:"vhost"`
	Stream    string   `json:"stream"`
	IP        string   `json:"ip"`
	PageURL   string   `json:"pageUrl"`
	SwfURL    string   `json:"swfUrl"`
	TcURL     string   `json:"tcUrl"`
	URL       string   `json:"url"`
	Name      *string  `json:"name,omitempty"` // 5.0+
	Type      string   `json:"type"`
	Publish   bool     `json:"publish"`
	Alive     jfloat   `json:"alive"`
	SendBytes *int64   `json:"send_bytes,omitempty"` // 5.0+
	RecvBytes *int64   `json:"recv_bytes,omitempty"` // 5.0+
	Kbps      kbpsJSON `json:"kbps"`
}

type vhostsResp struct {
	envelope
	Vhosts []vhostJSON `json:"vhosts"`
}

type vhostResp struct {
	envelope
	Vhost vhostJSON `json:"vhost"`
}

type streamsResp struct {
	envelope
	Streams []streamJSON `json:"streams"`
}

type streamResp struct {
	envelope
	Stream streamJSON `json:"stream"`
}

type clientsResp struct {
	envelope
	Clients []clientJSON `json:"clients"`
}

type clientResp struct {
	envelope
	Client clientJSON `json:"client"`
}

// clustersResp has no envelope in any version, only code and data.
type clustersResp struct {
	Code int `json:"code"`
	Data struct {
		Query struct {
			IP     string `json:"ip"`
			Vhost  string `json:"vhost"`
			App    string `json:"app"`
			Stream string `json:"stream"`
		} `json:"query"`
		Origin *clusterOrigin `json:"origin"`
	} `json:"data"`
}

type clusterOrigin struct {
	IP      string   `json:"ip"`
	Port    int      `json:"port"`
	Vhost   string   `json:"vhost"`
	API     string   `json:"api"`
	Routers []string `json:"routers"`
}

// rawHTTPAPI is rpc=raw: the http_api section only, no envelope.
type rawHTTPAPI struct {
	Code    int `json:"code"`
	HTTPAPI struct {
		Enabled     bool   `json:"enabled"`
		Listen      string `json:"listen"`
		Crossdomain bool   `json:"crossdomain"`
		RawAPI      struct {
			Enabled     bool `json:"enabled"`
			AllowReload bool `json:"allow_reload"`
			AllowQuery  bool `json:"allow_query"`
			AllowUpdate bool `json:"allow_update"`
		} `json:"raw_api"`
	} `json:"http_api"`
}

type reloadFetchResp struct {
	Code int `json:"code"`
	Data struct {
		Err   int    `json:"err"`
		Msg   string `json:"msg"`
		State int    `json:"state"`
		RID   string `json:"rid"`
	} `json:"data"`
}

type testsRequestsResp struct {
	envelope
	Data struct {
		URI     string `json:"uri"`
		Path    string `json:"path"`
		Method  string `json:"METHOD"`
		Headers struct {
			Sigature string `json:"sigature"` // sic
			Version  string `json:"version"`
			Link     string `json:"link"`
			Time     int64  `json:"time"`
		} `json:"headers"`
	} `json:"data"`
}

// SRS error codes seen in the captures.
const (
	codeSuccess          = 0
	codeTestsError       = 100
	codeConfigInvalid    = 1023
	codeRawAPIUnsupport  = 1060 // missing/unknown rpc, query, update, reload-fetch on 4.0
	codeRawAPIDisabled   = 1061
	codeExporterDisabled = 1090
	codeStreamNotFound   = 2048
	codeClientNotFound   = 2049
)
