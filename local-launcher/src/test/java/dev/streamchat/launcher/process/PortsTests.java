package dev.streamchat.launcher.process;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import org.junit.jupiter.api.Test;

class PortsTests {

    @Test
    void namesTheProcessThatHoldsATakenPort() throws IOException {
        try (var socket = new ServerSocket()) {
            socket.bind(new InetSocketAddress(0));
            int port = socket.getLocalPort();

            assertThat(Ports.isFree(port)).isFalse();
            assertThat(Ports.isListening(port)).isTrue();
            assertThat(Ports.owner(port))
                    .map(ProcessHandle::pid)
                    .contains(ProcessHandle.current().pid());
            assertThat(Ports.describeOwner(port))
                    .startsWith("pid " + ProcessHandle.current().pid() + " (");
        }
    }

    @Test
    void seesAPortFreeOnceItsSocketIsClosed() throws IOException {
        int port;
        try (var socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }

        assertThat(Ports.isFree(port)).isTrue();
        assertThat(Ports.isListening(port)).isFalse();
        assertThat(Ports.owner(port)).isEmpty();
    }

    @Test
    void readsThePortOfAProcNetAddress() {
        assertThat(Ports.portOf("0100007F:1F90")).isEqualTo(8080);
        assertThat(Ports.portOf("00000000000000000000000000000000:3B2A")).isEqualTo(15146);
    }
}
