/**
 * loomkit blocking server: an HTTP/1.1 server whose blocking handlers run on virtual threads inside
 * scope hierarchies, or on a fixed pool of platform threads, for comparison.
 */
module dev.loomkit.server {
    requires transitive dev.loomkit.toolkit;
    requires org.slf4j;

    exports dev.loomkit.server;
}
