// pause: the one process of a pod sandbox (the image hack/local-node.sh imports as
// k8s.gcr.io/pause:3.2). It holds the pod's namespaces open: it sleeps until SIGINT or SIGTERM
// (then exits 0) and, as PID 1 of the pod's PID namespace, reaps every child that ends.
// Written for qemu-operator; built with hack/kube-apiserver.sh (CGO_ENABLED=0: static).
package main

import (
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	if len(os.Args) > 1 && os.Args[1] == "-v" {
		fmt.Println("pause (qemu-operator) 3.2")
		return
	}
	if os.Getpid() != 1 {
		fmt.Fprintln(os.Stderr, "Warning: pause should be the first process")
	}
	signals := make(chan os.Signal, 16)
	signal.Notify(signals, syscall.SIGINT, syscall.SIGTERM, syscall.SIGCHLD)
	for s := range signals {
		if s != syscall.SIGCHLD {
			fmt.Fprintf(os.Stderr, "Shutting down, got signal: %v\n", s)
			os.Exit(0)
		}
		reapChildren()
	}
}

// reapChildren waits for every child that has ended, without blocking.
func reapChildren() {
	for {
		var status syscall.WaitStatus
		pid, err := syscall.Wait4(-1, &status, syscall.WNOHANG, nil)
		if err == syscall.EINTR {
			continue
		}
		if pid <= 0 || err != nil {
			return
		}
	}
}
