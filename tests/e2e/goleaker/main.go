// SPDX-License-Identifier: GPL-2.0

// The Go workload: Go's runtime has its own garbage-collected heap and no malloc, so leaktop
// says its heap is not traced, and traces its sockets. Same protocol as leaker.c: "ready",
// SIGUSR1, leak seven TCP sockets from leakSockets, "done", SIGTERM.
package main

import (
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

//go:noinline
func leakSockets(n int) []int {
	fds := make([]int, 0, n)
	for i := 0; i < n; i++ {
		fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM, 0)
		if err != nil {
			panic(err)
		}
		fds = append(fds, fd)
	}
	return fds
}

func main() {
	usr1 := make(chan os.Signal, 1)
	term := make(chan os.Signal, 1)
	signal.Notify(usr1, syscall.SIGUSR1)
	signal.Notify(term, syscall.SIGTERM)
	fmt.Printf("ready %d\n", os.Getpid())
	<-usr1
	kept := leakSockets(7)
	fmt.Println("done")
	<-term
	fmt.Println(len(kept))
}
