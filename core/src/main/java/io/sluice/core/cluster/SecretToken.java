package io.sluice.core.cluster;

import org.jgroups.Message;
import org.jgroups.annotations.Property;
import org.jgroups.auth.AuthToken;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.HexFormat;

/**
 * The JGroups {@code AUTH} token of a data grid with a secret: a member joins only if its token
 * carries the same proof. The proof is an HMAC-SHA256 of the cluster name under the secret, so the
 * secret itself never crosses the network. It keeps out members that do not know the secret; it
 * does not encrypt the grid's traffic, and a captured proof could be replayed by someone who can
 * already read that traffic.
 */
public final class SecretToken extends AuthToken {

    /** The hex proof; set by JGroups from the {@code AUTH} element's {@code auth_token.auth_value} attribute. */
    @Property(name = "auth_value", description = "HMAC-SHA256 of the cluster name under the cluster secret, in hex",
            exposeAsManagedAttribute = false)
    String proof = "";

    public SecretToken() {
    }

    /** @return the proof a member of {@code clusterName} with {@code secret} shows */
    static String proof(String clusterName, String secret) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            return HexFormat.of().formatHex(mac.doFinal(("sluice-grid:" + clusterName).getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is not available", e);
        }
    }

    @Override
    public String getName() {
        return SecretToken.class.getName();
    }

    @Override
    public boolean authenticate(AuthToken token, Message msg) {
        if (!(token instanceof SecretToken other) || proof.isEmpty()) {
            return false;
        }
        boolean same = MessageDigest.isEqual(proof.getBytes(StandardCharsets.US_ASCII), other.proof.getBytes(StandardCharsets.US_ASCII));
        if (!same) {
            log.warn("refused a data grid member from %s: it does not prove the cluster secret", msg.getSrc());
        }
        return same;
    }

    @Override
    public void writeTo(DataOutput out) throws IOException {
        out.writeUTF(proof);
    }

    @Override
    public void readFrom(DataInput in) throws IOException {
        proof = in.readUTF();
    }

    @Override
    public int size() {
        return 2 + proof.length();
    }
}
