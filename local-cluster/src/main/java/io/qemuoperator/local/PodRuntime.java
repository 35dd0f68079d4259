package io.qemuoperator.local;

import io.fabric8.kubernetes.client.KubernetesClient;
import java.net.http.HttpClient;

/**
 * What the {@link NodeAgent} runs its pods with: the client it reports their status through, the
 * QEMU binary, the sidecar's launcher and the HTTP client that asks a new sidecar whether it
 * answers.
 */
record PodRuntime(
    KubernetesClient client, String qemuBinary, SidecarLauncher sidecarLauncher, HttpClient http) {}
