package ipam

import (
	"strings"
	"testing"
)

func TestIPPool(t *testing.T) {
	p, err := NewPool("10.244.0.0/16")
	if err != nil {
		t.Fatal(err)
	}
	first, _ := p.Allocate()
	if first != "10.244.1.1" {
		t.Fatalf("first IP %s", first)
	}
	seen := map[string]bool{first: true}
	for i := 0; i < 600; i++ {
		ip, err := p.Allocate()
		if err != nil {
			t.Fatal(err)
		}
		if seen[ip] || strings.HasSuffix(ip, ".0") || strings.HasSuffix(ip, ".255") || strings.HasPrefix(ip, "10.244.0.") {
			t.Fatalf("bad or duplicate IP %s", ip)
		}
		seen[ip] = true
	}
	p.Release(first)
	if next, _ := p.Allocate(); next == first {
		t.Fatal("released IP reused at once")
	}
	if p.Reserve("10.244.0.1") || p.Reserve("192.168.1.1") || !p.Reserve("10.244.200.7") || p.Reserve("10.244.200.7") {
		t.Fatal("reserve")
	}
}
