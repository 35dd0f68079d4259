// kvm-device-plugin: offers a host device (default /dev/kvm) to the kubelet as an extended resource
// (default devices.kubevirt.io/kvm, the name KubeVirt's plugin uses) through the kubelet's device
// plugin API v1beta1, and on Allocate hands each container the device node (read-write cgroup
// permission). The device is shared: it is offered as -count interchangeable devices, so up to that
// many containers can use it at once.
//
// Written for qemu-operator's single-node cluster (hack/local-node.sh starts it when the device
// exists); built with hack/kube-apiserver.sh against the Kubernetes v1.20.2 tree's vendor/.
//
// It serves on a unix socket in the kubelet's device-plugin folder, registers with the kubelet's
// socket there, and registers again whenever the kubelet restarts (the kubelet then removes every
// socket in the folder, ours included).
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"google.golang.org/grpc"
	pluginapi "k8s.io/kubelet/pkg/apis/deviceplugin/v1beta1"
)

type plugin struct {
	resource string
	device   string
	count    int
}

func main() {
	resource := flag.String("resource", "devices.kubevirt.io/kvm", "extended resource name offered to the kubelet")
	device := flag.String("device", "/dev/kvm", "host device node handed to containers (same path inside)")
	count := flag.Int("count", 110, "how many containers may hold the device at once")
	dir := flag.String("plugin-dir", pluginapi.DevicePluginPath, "the kubelet's device-plugin folder")
	flag.Parse()
	log.SetFlags(log.LstdFlags | log.Lmicroseconds)

	p := &plugin{resource: *resource, device: *device, count: *count}
	socket := filepath.Join(*dir, "qemu-operator-kvm.sock")
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGINT, syscall.SIGTERM)

	for {
		server, err := p.serve(socket)
		if err == nil {
			err = p.register(filepath.Join(*dir, filepath.Base(pluginapi.KubeletSocket)), filepath.Base(socket))
		}
		if err != nil {
			log.Printf("not registered yet (retrying in 1 s): %v", err)
		} else {
			log.Printf("registered %s (%d x %s) with the kubelet", p.resource, p.count, p.device)
		}
		// Serve until our socket disappears (the kubelet restarted) or we are told to stop.
		restart := time.NewTicker(time.Second)
		for alive := err == nil; alive; {
			select {
			case s := <-stop:
				log.Printf("got %v: stopping", s)
				server.Stop()
				os.Remove(socket)
				return
			case <-restart.C:
				if _, statErr := os.Stat(socket); statErr != nil {
					log.Printf("socket %s gone (kubelet restarted): registering again", socket)
					alive = false
				}
			}
		}
		restart.Stop()
		if server != nil {
			server.Stop()
		}
		select {
		case s := <-stop:
			log.Printf("got %v: stopping", s)
			os.Remove(socket)
			return
		case <-time.After(time.Second):
		}
	}
}

// serve starts the plugin's gRPC server on a fresh socket.
func (p *plugin) serve(socket string) (*grpc.Server, error) {
	if err := os.Remove(socket); err != nil && !os.IsNotExist(err) {
		return nil, err
	}
	listener, err := net.Listen("unix", socket)
	if err != nil {
		return nil, err
	}
	server := grpc.NewServer()
	pluginapi.RegisterDevicePluginServer(server, p)
	go func() {
		if err := server.Serve(listener); err != nil {
			log.Printf("server on %s ended: %v", socket, err)
		}
	}()
	return server, nil
}

// register tells the kubelet our socket and resource name.
func (p *plugin) register(kubeletSocket, endpoint string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	conn, err := grpc.DialContext(ctx, kubeletSocket, grpc.WithInsecure(), grpc.WithBlock(),
		grpc.WithContextDialer(func(ctx context.Context, addr string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, "unix", addr)
		}))
	if err != nil {
		return fmt.Errorf("connecting to the kubelet at %s: %w", kubeletSocket, err)
	}
	defer conn.Close()
	_, err = pluginapi.NewRegistrationClient(conn).Register(ctx, &pluginapi.RegisterRequest{
		Version:      pluginapi.Version,
		Endpoint:     endpoint,
		ResourceName: p.resource,
		Options:      &pluginapi.DevicePluginOptions{},
	})
	return err
}

// devices lists the -count devices, healthy while the device node exists.
func (p *plugin) devices() []*pluginapi.Device {
	health := pluginapi.Healthy
	if _, err := os.Stat(p.device); err != nil {
		health = pluginapi.Unhealthy
	}
	list := make([]*pluginapi.Device, p.count)
	for i := range list {
		list[i] = &pluginapi.Device{ID: fmt.Sprintf("%s-%d", filepath.Base(p.device), i), Health: health}
	}
	return list
}

func (p *plugin) GetDevicePluginOptions(context.Context, *pluginapi.Empty) (*pluginapi.DevicePluginOptions, error) {
	return &pluginapi.DevicePluginOptions{}, nil
}

// ListAndWatch sends the device list, then again whenever the device node appears or disappears.
func (p *plugin) ListAndWatch(_ *pluginapi.Empty, stream pluginapi.DevicePlugin_ListAndWatchServer) error {
	last := p.devices()
	if err := stream.Send(&pluginapi.ListAndWatchResponse{Devices: last}); err != nil {
		return err
	}
	tick := time.NewTicker(5 * time.Second)
	defer tick.Stop()
	for {
		select {
		case <-stream.Context().Done():
			return nil
		case <-tick.C:
			now := p.devices()
			if now[0].Health != last[0].Health {
				log.Printf("%s is now %s", p.device, now[0].Health)
				if err := stream.Send(&pluginapi.ListAndWatchResponse{Devices: now}); err != nil {
					return err
				}
				last = now
			}
		}
	}
}

func (p *plugin) GetPreferredAllocation(context.Context, *pluginapi.PreferredAllocationRequest) (*pluginapi.PreferredAllocationResponse, error) {
	return &pluginapi.PreferredAllocationResponse{}, nil
}

// Allocate gives each container that asked for the resource the device node, read-write.
func (p *plugin) Allocate(_ context.Context, request *pluginapi.AllocateRequest) (*pluginapi.AllocateResponse, error) {
	response := &pluginapi.AllocateResponse{}
	for _, container := range request.ContainerRequests {
		log.Printf("allocating %s to a container (devices %v)", p.device, container.DevicesIDs)
		response.ContainerResponses = append(response.ContainerResponses, &pluginapi.ContainerAllocateResponse{
			Devices: []*pluginapi.DeviceSpec{{ContainerPath: p.device, HostPath: p.device, Permissions: "rw"}},
		})
	}
	return response, nil
}

func (p *plugin) PreStartContainer(context.Context, *pluginapi.PreStartContainerRequest) (*pluginapi.PreStartContainerResponse, error) {
	return &pluginapi.PreStartContainerResponse{}, nil
}
