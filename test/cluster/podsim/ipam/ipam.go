// Package ipam hands out pod IPs from the pod CIDR.
package ipam

import (
	"encoding/binary"
	"fmt"
	"net"
	"sync"
)

// ipPool hands out pod IPs from a CIDR (10.244.0.0/16 by default). The first /24 is kept
// for the node and infrastructure, and addresses ending in .0 or .255 are skipped so every
// IP looks like an ordinary host. Allocation goes round-robin from the last one handed
// out, so a released IP is not reused at once: a stale connection to a deleted pod does
// not reach a new one.
type Pool struct {
	mu   sync.Mutex
	base uint32
	size uint32
	used map[uint32]bool
	next uint32
}

func NewPool(cidr string) (*Pool, error) {
	_, n, err := net.ParseCIDR(cidr)
	if err != nil {
		return nil, err
	}
	ip4 := n.IP.To4()
	if ip4 == nil {
		return nil, fmt.Errorf("%s: only IPv4 is supported", cidr)
	}
	ones, bits := n.Mask.Size()
	if bits-ones < 9 {
		return nil, fmt.Errorf("%s: need at least a /23", cidr)
	}
	return &Pool{base: binary.BigEndian.Uint32(ip4), size: 1 << uint(bits-ones), used: map[uint32]bool{}, next: 256}, nil
}

func (p *Pool) usable(off uint32) bool {
	last := (p.base + off) & 0xff
	return off >= 256 && off < p.size && last != 0 && last != 255
}

func (p *Pool) ipAt(off uint32) string {
	b := make(net.IP, 4)
	binary.BigEndian.PutUint32(b, p.base+off)
	return b.String()
}

func (p *Pool) offset(ip string) (uint32, bool) {
	parsed := net.ParseIP(ip).To4()
	if parsed == nil {
		return 0, false
	}
	v := binary.BigEndian.Uint32(parsed)
	if v < p.base || v-p.base >= p.size {
		return 0, false
	}
	return v - p.base, true
}

func (p *Pool) Allocate() (string, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for i := uint32(0); i < p.size; i++ {
		off := (p.next + i) % p.size
		if p.usable(off) && !p.used[off] {
			p.used[off] = true
			p.next = off + 1
			return p.ipAt(off), nil
		}
	}
	return "", fmt.Errorf("pod CIDR exhausted")
}

// reserve marks an IP a pod already has (after a podsim restart). It reports false when
// the IP is outside the pool or taken.
func (p *Pool) Reserve(ip string) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	off, ok := p.offset(ip)
	if !ok || !p.usable(off) || p.used[off] {
		return false
	}
	p.used[off] = true
	return true
}

func (p *Pool) Release(ip string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if off, ok := p.offset(ip); ok {
		delete(p.used, off)
	}
}

func (p *Pool) InUse() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.used)
}
