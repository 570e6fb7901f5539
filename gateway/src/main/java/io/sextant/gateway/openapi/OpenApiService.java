package io.sextant.gateway.openapi;

import com.linecorp.armeria.common.CacheControl;
import com.linecorp.armeria.common.HttpData;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.ServerCacheControl;
import com.linecorp.armeria.server.HttpService;
import com.linecorp.armeria.server.file.HttpFile;

/** Serves the document generated at start-up, as it is, to every caller. */
public final class OpenApiService {

    public static final String PATH = "/openapi.json";

    private OpenApiService() {}

    /**
     * The service of the document: {@code application/json} with an ETag, so that a client revalidates
     * cheaply (304) and sees a new document after a restart with other contracts.
     */
    public static HttpService of(byte[] document) {
        final CacheControl revalidate = ServerCacheControl.builder().noCache().build();
        return HttpFile.builder(HttpData.wrap(document))
                       .contentType(MediaType.JSON_UTF_8)
                       .cacheControl(revalidate)
                       .entityTag(true)
                       .lastModified(false)
                       .build()
                       .asService();
    }
}
