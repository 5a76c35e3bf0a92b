// Command hostfwd makes the test apiserver, which lives inside the harness's network
// namespace, reachable from the host on a loopback port. It listens on the host side and,
// for each connection, dials 127.0.0.1:<port> from a thread that has joined the namespace.
// This keeps every pod address (10.244.0.0/16) inside the namespace: nothing but loopback
// is ever used on the host.
package main

import (
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"os"
	"runtime"

	"golang.org/x/sys/unix"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:16443", "host address to listen on")
	netnsPath := flag.String("netns", "/run/netns/srsk8s", "network namespace to dial into")
	target := flag.String("target", "127.0.0.1:6443", "address to dial inside the namespace")
	flag.Parse()

	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		log.Fatalf("hostfwd: %v", err)
	}
	fmt.Println("hostfwd ready")
	for {
		c, err := ln.Accept()
		if err != nil {
			log.Printf("hostfwd: accept: %v", err)
			continue
		}
		go forward(c, *netnsPath, *target)
	}
}

// dialInNetns dials from an OS thread that joins the namespace and is then thrown away
// (the goroutine exits while still locked, so Go retires the thread).
func dialInNetns(netnsPath, target string) (net.Conn, error) {
	type result struct {
		c   net.Conn
		err error
	}
	ch := make(chan result, 1)
	go func() {
		runtime.LockOSThread()
		f, err := os.Open(netnsPath)
		if err != nil {
			ch <- result{nil, err}
			return
		}
		defer f.Close()
		if err := unix.Setns(int(f.Fd()), unix.CLONE_NEWNET); err != nil {
			ch <- result{nil, fmt.Errorf("setns %s: %w", netnsPath, err)}
			return
		}
		c, err := net.Dial("tcp", target)
		ch <- result{c, err}
	}()
	r := <-ch
	return r.c, r.err
}

func forward(c net.Conn, netnsPath, target string) {
	defer c.Close()
	up, err := dialInNetns(netnsPath, target)
	if err != nil {
		log.Printf("hostfwd: dial %s in %s: %v", target, netnsPath, err)
		return
	}
	defer up.Close()
	done := make(chan struct{}, 2)
	go func() { io.Copy(up, c); up.(*net.TCPConn).CloseWrite(); done <- struct{}{} }()
	go func() { io.Copy(c, up); c.(*net.TCPConn).CloseWrite(); done <- struct{}{} }()
	<-done
	<-done
}
