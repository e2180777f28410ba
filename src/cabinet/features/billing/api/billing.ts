/**
 * The billing API (issue 17): balances and the account history, card top-ups and invoices, tariffs and the OFD
 * service of registers, the Маркет (SMS packages, activation codes, postpaid SMS) and «Документы».
 */
import { useCallback } from 'react';
import { keepPreviousData, useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, unwrap, type paths } from '../../../lib/api/client';
import { REGISTERS_KEY } from '../../../lib/api/lookups';

type Json<P extends keyof paths, M extends 'get' | 'post' | 'put', S extends number = 200> = paths[P][M] extends {
  responses: { [K in S]: { content: { 'application/json': infer T } } };
}
  ? T
  : never;

export type Balances = Json<'/api/v1/organizations/{id}/balance', 'get'>;
export type HistoryPage = Json<'/api/v1/organizations/{id}/account-history', 'get'>;
export type HistoryLine = HistoryPage['items'][number];
export type Tariff = Json<'/api/v1/tariffs', 'get'>['items'][number];
export type Product = Json<'/api/v1/market/products', 'get'>['items'][number];
export type ActivationCode = Json<'/api/v1/organizations/{id}/activation-codes', 'get'>['items'][number];
export type BillingDocument = Json<'/api/v1/organizations/{id}/billing-documents', 'get'>['items'][number];
export type CardPayment = Json<'/api/v1/organizations/{id}/card-top-ups/{paymentId}', 'get'>;
export type Invoice = Json<'/api/v1/organizations/{id}/invoices', 'post', 201>;
export type SmsPackageCode = 'sms-100' | 'sms-250' | 'sms-500' | 'sms-1000';
export type BrandedOffer = Json<'/api/v1/market/branded-receipts', 'get'>['items'][number];
export type BrandedService = Json<'/api/v1/organizations/{id}/branded-receipts', 'get'>;

const path = (id: number) => ({ params: { path: { id } } });

/** The organizations of the user (the same query key as elsewhere: one request for the whole cabinet). */
export function useOrganizations() {
  return useQuery({ queryKey: ['organizations'], queryFn: ({ signal }) => unwrap(api.GET('/api/v1/organizations', { params: { query: { limit: 100 } }, signal })) });
}

export function useBalance(organizationId: number | undefined) {
  return useQuery({
    queryKey: ['billing', 'balance', organizationId],
    enabled: organizationId !== undefined,
    queryFn: ({ signal }) => unwrap(api.GET('/api/v1/organizations/{id}/balance', { ...path(organizationId!), signal })),
  });
}

export function useAccountHistory(organizationId: number | undefined, period: { from?: string; to?: string } = {}) {
  return useInfiniteQuery({
    queryKey: ['billing', 'history', organizationId, period.from, period.to],
    enabled: organizationId !== undefined,
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last: HistoryPage) => last.nextCursor ?? undefined,
    placeholderData: keepPreviousData,
    queryFn: ({ pageParam, signal }): Promise<HistoryPage> =>
      unwrap(api.GET('/api/v1/organizations/{id}/account-history', { params: { path: { id: organizationId! }, query: { limit: 50, ...period, ...(pageParam ? { cursor: pageParam } : {}) } }, signal })),
  });
}

/** After any movement: balances, history, documents and registers' paid-until days may all have changed. */
function useAfterMovement() {
  const qc = useQueryClient();
  // Stable, so an effect may depend on it.
  return useCallback(() => Promise.all([qc.invalidateQueries({ queryKey: ['billing'] }), qc.invalidateQueries({ queryKey: REGISTERS_KEY })]), [qc]);
}

export function useStartCardTopUp(organizationId: number | undefined) {
  return useMutation({
    mutationFn: (body: { amount: number; idempotencyKey: string; returnUrl: string }) =>
      unwrap(api.POST('/api/v1/organizations/{id}/card-top-ups', { ...path(organizationId!), body })),
  });
}

/** A card top-up, followed every 1.5 s while the provider's callback has not arrived. */
export function useCardTopUp(organizationId: number | undefined, paymentId: number | undefined) {
  return useQuery({
    queryKey: ['billing', 'card-top-up', organizationId, paymentId],
    enabled: organizationId !== undefined && paymentId !== undefined,
    queryFn: ({ signal }) => unwrap(api.GET('/api/v1/organizations/{id}/card-top-ups/{paymentId}', { params: { path: { id: organizationId!, paymentId: paymentId! } }, signal })),
    refetchInterval: (q) => (q.state.data?.status === 'pending' ? 1500 : false),
  });
}

export function useIssueInvoice(organizationId: number | undefined) {
  const after = useAfterMovement();
  return useMutation({
    mutationFn: (body: { amount: number; idempotencyKey: string }) => unwrap(api.POST('/api/v1/organizations/{id}/invoices', { ...path(organizationId!), body })),
    onSuccess: () => after(),
  });
}

export function useBillingDocuments(organizationId: number | undefined) {
  return useQuery({
    queryKey: ['billing', 'documents', organizationId],
    enabled: organizationId !== undefined,
    queryFn: ({ signal }) => unwrap(api.GET('/api/v1/organizations/{id}/billing-documents', { ...path(organizationId!), signal })),
  });
}

export function useTariffs() {
  return useQuery({ queryKey: ['billing', 'tariffs'], queryFn: ({ signal }) => unwrap(api.GET('/api/v1/tariffs', { params: { query: {} }, signal })), staleTime: 60_000 });
}

export function useServicePeriods(registerId: number | undefined) {
  return useQuery({
    queryKey: ['billing', 'periods', registerId],
    enabled: registerId !== undefined,
    queryFn: ({ signal }) => unwrap(api.GET('/api/v1/registers/{id}/service-periods', { ...path(registerId!), signal })),
  });
}

/** Pays one term for one register; several registers are paid one call each (each with its own key). */
export function usePayTariff() {
  return useMutation({
    mutationFn: (a: { registerId: number; tariffId: number; idempotencyKey: string }) =>
      unwrap(api.POST('/api/v1/registers/{id}/service-payments', { ...path(a.registerId), body: { tariffId: a.tariffId, idempotencyKey: a.idempotencyKey } })),
  });
}

export function useApplyActivationCode() {
  const after = useAfterMovement();
  return useMutation({
    mutationFn: (a: { registerId: number; code: string }) => unwrap(api.POST('/api/v1/registers/{id}/activation', { ...path(a.registerId), body: { code: a.code } })),
    onSuccess: () => after(),
  });
}

export { useAfterMovement };

export function useProducts() {
  return useQuery({ queryKey: ['billing', 'products'], queryFn: ({ signal }) => unwrap(api.GET('/api/v1/market/products', { signal })), staleTime: 60_000 });
}

export function useActivationCodes(organizationId: number | undefined) {
  return useQuery({
    queryKey: ['billing', 'activation-codes', organizationId],
    enabled: organizationId !== undefined,
    queryFn: ({ signal }) => unwrap(api.GET('/api/v1/organizations/{id}/activation-codes', { ...path(organizationId!), signal })),
  });
}

export function useBuySmsPackage(organizationId: number | undefined) {
  const after = useAfterMovement();
  return useMutation({
    mutationFn: (body: { product: SmsPackageCode; quantity: number; idempotencyKey: string }) =>
      unwrap(api.POST('/api/v1/organizations/{id}/market/purchases', { ...path(organizationId!), body })),
    onSuccess: () => after(),
  });
}

/** The branded e-receipt service: its offers, whether the organization has it and until when, and buying it. */
export function useBrandedOffers() {
  return useQuery({ queryKey: ['market', 'branded-receipts'], queryFn: ({ signal }) => unwrap(api.GET('/api/v1/market/branded-receipts', { signal })) });
}

export function useBrandedService(organizationId: number | undefined) {
  return useQuery({
    queryKey: ['billing', 'branded-receipts', organizationId],
    enabled: organizationId !== undefined,
    queryFn: ({ signal }) => unwrap(api.GET('/api/v1/organizations/{id}/branded-receipts', { ...path(organizationId!), signal })),
  });
}

export function useBuyBrandedReceipts(organizationId: number | undefined) {
  const after = useAfterMovement();
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (body: { product: string; idempotencyKey: string }) =>
      unwrap(api.POST('/api/v1/organizations/{id}/branded-receipts/purchases', { ...path(organizationId!), body })),
    onSuccess: () => Promise.all([after(), qc.invalidateQueries({ queryKey: ['receipt-brand-service'] })]),
  });
}

export function useBuyActivationCodes(organizationId: number | undefined) {
  const after = useAfterMovement();
  return useMutation({
    mutationFn: (body: { tariffId: number; quantity: number; idempotencyKey: string }) =>
      unwrap(api.POST('/api/v1/organizations/{id}/market/purchases', { ...path(organizationId!), body: { product: 'activation-codes', ...body } })),
    onSuccess: () => after(),
  });
}

export function useSmsPostpaid(organizationId: number | undefined) {
  return useQuery({
    queryKey: ['billing', 'sms-postpaid', organizationId],
    enabled: organizationId !== undefined,
    queryFn: ({ signal }) => unwrap(api.GET('/api/v1/organizations/{id}/sms-postpaid', { ...path(organizationId!), signal })),
  });
}

export function useSetSmsPostpaid(organizationId: number | undefined) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (enabled: boolean) => unwrap(api.PUT('/api/v1/organizations/{id}/sms-postpaid', { ...path(organizationId!), body: { enabled } })),
    onSuccess: (data) => qc.setQueryData(['billing', 'sms-postpaid', organizationId], data),
  });
}

/** Registers whose paid service ends within 30 days or has ended (the shell's banner); re-read every 10 minutes. */
export function useServiceEnding() {
  return useQuery({
    queryKey: ['billing', 'service-ending'],
    queryFn: async ({ signal }) => {
      const r = await unwrap(api.GET('/api/v1/ofd-service/ending', { params: { query: { withinDays: 30 } }, signal }));
      return { total: r.total, registers: r.items.map((i) => ({ id: i.registerId, registrationNumber: i.registrationNumber, organizationId: i.organizationId, ofdService: i.ofdService })) };
    },
    staleTime: 60_000,
    refetchInterval: 600_000,
  });
}

export type BrandedEnding = Json<'/api/v1/branded-receipts/ending', 'get'>['items'][number];

/**
 * Organizations whose branded e-receipt service ends within 30 days or ended in the last 7 (the shell's banner, the
 * same window as the `branding.expiring` e-mails); re-read every 10 minutes.
 */
export function useBrandedEnding() {
  return useQuery({
    queryKey: ['billing', 'branded-ending'],
    queryFn: ({ signal }) => unwrap(api.GET('/api/v1/branded-receipts/ending', { signal })),
    staleTime: 60_000,
    refetchInterval: 600_000,
  });
}
