package dev.ferry.delivery;

import java.net.URI;
import java.security.cert.X509Certificate;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import javax.net.ssl.HostnameVerifier;
import javax.net.ssl.SSLSession;
import javax.net.ssl.X509TrustManager;

import org.apache.camel.Endpoint;
import org.apache.camel.spi.EndpointStrategy;
import org.apache.camel.support.jsse.SSLContextParameters;
import org.apache.camel.support.jsse.TrustManagersParameters;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * TLS to a target is verified — its certificate chain against the JVM's trust store (or a trust store the
 * connector names with {@code sslContextParameters}), its name against the URL's host — unless a connector
 * says, in its target URL, not to:
 *
 * <pre>https://erp.test/api/customers?sslContextParameters=#ferryTrustAnyCertificate&amp;x509HostnameVerifier=#ferryAnyHostname</pre>
 *
 * <p>That is for a test system with a self-signed certificate, never for production: anyone on the path can
 * then read and change what Ferry sends. Ferry says so when the endpoint is created and when a certificate
 * or host name that would have been refused is accepted.
 */
public final class InsecureTls {

    /** Registry name of the {@link SSLContextParameters} that trust any certificate. */
    public static final String TRUST_ANY_CERTIFICATE = "ferryTrustAnyCertificate";
    /** Registry name of the {@link HostnameVerifier} that accepts any host name. */
    public static final String ANY_HOSTNAME = "ferryAnyHostname";

    private static final Logger LOG = LoggerFactory.getLogger("dev.ferry.delivery");

    private InsecureTls() {
    }

    /** Trusts every certificate chain, and warns once per certificate subject it accepted. */
    public static SSLContextParameters trustAnyCertificate() {
        Set<String> warned = ConcurrentHashMap.newKeySet();
        TrustManagersParameters trust = new TrustManagersParameters();
        trust.setTrustManager(new X509TrustManager() {
            @Override
            public void checkClientTrusted(X509Certificate[] chain, String authType) {
                // Ferry is the client; no client certificates come here
            }

            @Override
            public void checkServerTrusted(X509Certificate[] chain, String authType) {
                String subject = chain.length == 0 ? "(none)" : chain[0].getSubjectX500Principal().getName();
                if (warned.add(subject)) {
                    LOG.warn("TLS: accepted the target's certificate {} without verifying it ({}): anyone between"
                            + " Ferry and the target can read and change what Ferry sends", subject, TRUST_ANY_CERTIFICATE);
                }
            }

            @Override
            public X509Certificate[] getAcceptedIssuers() {
                return new X509Certificate[0];
            }
        });
        SSLContextParameters parameters = new SSLContextParameters();
        parameters.setTrustManagers(trust);
        return parameters;
    }

    /** Accepts every host name, and warns once per host it accepted. */
    public static HostnameVerifier anyHostname() {
        Set<String> warned = ConcurrentHashMap.newKeySet();
        return (String host, SSLSession session) -> {
            if (warned.add(host)) {
                LOG.warn("TLS: the target's certificate was not checked against its host name {} ({})", host, ANY_HOSTNAME);
            }
            return true;
        };
    }

    /**
     * Warns when an endpoint is created that does not verify TLS: it names one of the beans above. The URI is
     * shown without its query, which may carry credentials.
     */
    public static EndpointStrategy warnOnCreation() {
        return (String uri, Endpoint endpoint) -> {
            String text = endpoint.getEndpointUri();
            boolean anyCertificate = text.contains("#" + TRUST_ANY_CERTIFICATE) || text.contains("%23" + TRUST_ANY_CERTIFICATE);
            boolean anyHost = text.contains("#" + ANY_HOSTNAME) || text.contains("%23" + ANY_HOSTNAME)
                    || text.contains("NoopHostnameVerifier");
            if (anyCertificate || anyHost) {
                LOG.warn("TLS to {} is not verified ({}): anyone between Ferry and the target can read and change what"
                        + " Ferry sends. Use it for a test system only; for a self-signed certificate, trust it instead"
                        + " (sslContextParameters with a trust store)", withoutQuery(text),
                        anyCertificate && anyHost ? "neither the certificate nor the host name"
                                : anyCertificate ? "the certificate is not" : "the host name is not");
            }
            return endpoint;
        };
    }

    private static String withoutQuery(String uri) {
        int query = uri.indexOf('?');
        String base = query < 0 ? uri : uri.substring(0, query);
        try {
            URI parsed = URI.create(base);
            return parsed.getUserInfo() == null ? base : base.replace(parsed.getRawUserInfo() + "@", "");
        } catch (IllegalArgumentException e) {
            return base;
        }
    }
}
