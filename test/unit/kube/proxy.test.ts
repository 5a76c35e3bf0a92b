/**
 * Proxy choice with Go's rules (golang.org/x/net/http/httpproxy, which kubectl uses through
 * client-go), case by case: the cases are the ones Go's own tests spell out for NO_PROXY.
 */
import {describe, expect, test} from '@jest/globals'
import {proxyFor, useProxy} from '../../../src/lib/kube/proxy.js'

describe('proxyFor', () => {
  const server = new URL('https://api.example.com:6443')
  test('proxy-url of the cluster wins over the environment, even for loopback', () => {
    expect(proxyFor(new URL('https://127.0.0.1:6443'), {'proxy-url': 'socks5://p:1080'}, {HTTPS_PROXY: 'http://other:1'})?.href).toBe('socks5://p:1080')
  })
  test('HTTPS_PROXY before https_proxy; an empty value is unset; no scheme means http', () => {
    expect(proxyFor(server, {}, {HTTPS_PROXY: 'http://upper:1', https_proxy: 'http://lower:1'})?.host).toBe('upper:1')
    expect(proxyFor(server, {}, {HTTPS_PROXY: '', https_proxy: 'http://lower:1'})?.host).toBe('lower:1')
    expect(proxyFor(server, {}, {HTTPS_PROXY: 'proxy.corp:3128'})?.href).toBe('http://proxy.corp:3128/')
    expect(proxyFor(server, {}, {HTTP_PROXY: 'http://only-http:1'})).toBeUndefined()
    expect(proxyFor(new URL('http://api.example.com'), {}, {HTTP_PROXY: 'http://h:1', REQUEST_METHOD: 'GET'})).toBeUndefined()
  })
  test('loopback and localhost are never proxied', () => {
    for (const s of ['https://127.0.0.1:6443', 'https://127.9.9.9', 'https://localhost:6443', 'https://[::1]:6443']) {
      expect(proxyFor(new URL(s), {}, {HTTPS_PROXY: 'http://p:1'})).toBeUndefined()
    }
  })
})

describe('useProxy with NO_PROXY', () => {
  test.each([
    ['*', 'anything.com', '443', false],
    ['example.com', 'example.com', '443', false],
    ['example.com', 'sub.example.com', '443', false],
    ['example.com', 'notexample.com', '443', true],
    ['.example.com', 'example.com', '443', true],
    ['.example.com', 'sub.example.com', '443', false],
    ['*.example.com', 'sub.example.com', '443', false],
    ['*.example.com', 'example.com', '443', true],
    ['example.com:6443', 'example.com', '6443', false],
    ['example.com:6443', 'example.com', '443', true],
    ['10.0.0.0/8', '10.1.2.3', '443', false],
    ['10.0.0.0/8', '11.1.2.3', '443', true],
    ['192.168.1.1', '192.168.1.1', '443', false],
    ['192.168.1.1:80', '192.168.1.1', '443', true],
    ['fd00::/8', 'fd00::1', '443', false],
    [' Example.COM , other', 'example.com', '443', false],
    ['', '10.1.2.3', '443', true],
  ])('NO_PROXY=%j, host %s:%s: proxied %s', (noProxy, host, port, proxied) => {
    expect(useProxy(host, port, noProxy)).toBe(proxied)
  })
})
