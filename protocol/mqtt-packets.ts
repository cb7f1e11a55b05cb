/**
 * mqtt-packet, the encoder under mqtt.js and aedes, fills a cache of 65,536
 * two-byte Buffers before its first packet: about 6 MB of heap that every full
 * garbage collection walks, to save one 2-byte allocation per packet. Tern
 * turns the cache off before the first client or broker starts.
 */
import { writeToStream } from 'mqtt-packet';

/** Turns mqtt-packet's number cache off for this process (idempotent). */
export function leanMqttPackets(): void {
  writeToStream.cacheNumbers = false;
}
