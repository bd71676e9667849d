// A Go program for the sandbox tests: Go's net package makes raw syscalls, so only ztrun's seccomp
// supervisor puts it on the virtual network. Standard library only.
//
//	gonet serve ADDR           TCP server: answers the first line it gets with "echo: " + line
//	gonet send ADDR MSG        TCP client: sends MSG and a newline, prints the answer
//	gonet udp-echo ADDR        answers one UDP datagram with "echo: " + datagram
//	gonet udp-send ADDR MSG    sends MSG from an unconnected socket, prints the answer
//	gonet lookup NAME          prints the addresses of NAME (Go's own resolver)
package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"time"
)

func die(err error) {
	fmt.Fprintln(os.Stderr, "gonet:", err)
	os.Exit(1)
}

func main() {
	if len(os.Args) < 3 {
		fmt.Fprintln(os.Stderr, "usage: see the comment at the top of main.go")
		os.Exit(2)
	}
	switch os.Args[1] {
	case "serve":
		ln, err := net.Listen("tcp", os.Args[2])
		if err != nil {
			die(err)
		}
		fmt.Println("listening on", ln.Addr())
		for { // connections that close before a whole line (probes) are skipped
			c, err := ln.Accept()
			if err != nil {
				die(err)
			}
			line, err := bufio.NewReader(c).ReadString('\n')
			if err == nil {
				fmt.Fprintf(c, "echo: %s", line)
				c.Close()
				break
			}
			c.Close()
		}
	case "send":
		c, err := net.DialTimeout("tcp", os.Args[2], 10*time.Second)
		if err != nil {
			die(err)
		}
		fmt.Fprintf(c, "%s\n", os.Args[3])
		answer, err := io.ReadAll(c)
		if err != nil {
			die(err)
		}
		fmt.Print(string(answer))
	case "udp-echo":
		pc, err := net.ListenPacket("udp", os.Args[2])
		if err != nil {
			die(err)
		}
		fmt.Println("bound", pc.LocalAddr())
		buf := make([]byte, 1500)
		n, from, err := pc.ReadFrom(buf)
		if err != nil {
			die(err)
		}
		if _, err := pc.WriteTo(append([]byte("echo: "), buf[:n]...), from); err != nil {
			die(err)
		}
	case "udp-send":
		to, err := net.ResolveUDPAddr("udp", os.Args[2])
		if err != nil {
			die(err)
		}
		pc, err := net.ListenPacket("udp", ":0")
		if err != nil {
			die(err)
		}
		if _, err := pc.WriteTo([]byte(os.Args[3]), to); err != nil {
			die(err)
		}
		pc.SetReadDeadline(time.Now().Add(10 * time.Second))
		buf := make([]byte, 1500)
		n, from, err := pc.ReadFrom(buf)
		if err != nil {
			die(err)
		}
		fmt.Printf("from %v: %s\n", from, buf[:n])
	case "lookup":
		r := &net.Resolver{PreferGo: true}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		addrs, err := r.LookupHost(ctx, os.Args[2])
		if err != nil {
			die(err)
		}
		for _, a := range addrs {
			fmt.Println(a)
		}
	default:
		fmt.Fprintln(os.Stderr, "gonet: unknown command", os.Args[1])
		os.Exit(2)
	}
}
