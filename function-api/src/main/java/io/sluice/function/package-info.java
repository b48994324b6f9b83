/**
 * The Sluice function API: implement {@link io.sluice.function.BatchFunction}, package it in a jar
 * and deploy it. This package depends on the JDK alone and exposes no Kafka, Infinispan or Vert.x
 * type, so functions stay portable across Sluice versions and deployment shapes.
 */
package io.sluice.function;
