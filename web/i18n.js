// Korean and English: the browser's language picks one, the switch changes it (remembered).
const words = {
  ko: {
    title: '따릉이', operatorTitle: '따릉이 운영', language: '언어',
    signUp: '회원가입', logIn: '로그인', logOut: '로그아웃', phone: '휴대폰 번호', password: '비밀번호', name: '이름',
    signedInAs: '로그인: {0}', tickets: '이용권', buy1h: '1시간권 구매 (1,000원)', buy2h: '2시간권 구매 (2,000원)',
    payLater: '다시 결제', cancel: '취소 (환불)', noTickets: '이용권이 없습니다.',
    status_payment_pending: '결제 대기', status_paid: '사용 가능', status_payment_failed: '결제 실패',
    status_in_use: '이용 중', status_used: '사용 완료', status_cancelled: '취소됨',
    paymentBusy: '결제 서비스가 바쁩니다. 잠시 후 다시 결제해 주세요 ({0}초 후).',
    rent: '대여', rented: '{0} 대여 시작', station: '대여소', bicycle: '자전거', ticket: '이용권', rentIt: '대여하기',
    noBicycles: '이 대여소에 대여 가능한 자전거가 없습니다.', noPaidTicket: '사용 가능한 이용권이 없습니다.',
    ride: '이용 중인 자전거', noRide: '이용 중인 자전거가 없습니다.', remaining: '남은 시간', overdue: '초과 시간',
    returnTo: '반납 대여소', returnIt: '반납하기', returned: '반납 완료. 초과 {0}분, 추가 요금 {1}.',
    notifications: '알림', live: '실시간 연결됨', offline: '연결 끊김, 다시 연결하는 중',
    bicyclesAvailable: '자전거', docksAvailable: '빈 거치대', stations: '대여소 현황',
    clientId: '클라이언트 ID', clientSecret: '클라이언트 비밀', addStation: '대여소 등록', addBicycle: '자전거 등록',
    removeBicycle: '자전거 삭제', id: 'ID (비우면 자동)', lat: '위도', lon: '경도', capacity: '거치대 수',
    saved: '저장했습니다.', removed: '삭제했습니다.', map: '대여소 지도',
  },
  en: {
    title: 'Ttareungyi', operatorTitle: 'Ttareungyi operations', language: 'Language',
    signUp: 'Sign up', logIn: 'Log in', logOut: 'Log out', phone: 'Phone', password: 'Password', name: 'Name',
    signedInAs: 'Signed in as {0}', tickets: 'Tickets', buy1h: 'Buy 1 hour (1,000 KRW)', buy2h: 'Buy 2 hours (2,000 KRW)',
    payLater: 'Pay again', cancel: 'Cancel (refund)', noTickets: 'No tickets yet.',
    status_payment_pending: 'waiting for payment', status_paid: 'ready to ride', status_payment_failed: 'payment failed',
    status_in_use: 'riding', status_used: 'used', status_cancelled: 'cancelled',
    paymentBusy: 'Payment is busy right now. Please pay again in a moment ({0} s).',
    rent: 'Rent', rented: 'Rented {0}', station: 'Station', bicycle: 'Bicycle', ticket: 'Ticket', rentIt: 'Rent it',
    noBicycles: 'No bicycle is available at this station.', noPaidTicket: 'No ticket ready to ride.',
    ride: 'Your ride', noRide: 'You are not riding.', remaining: 'Time left', overdue: 'Overtime',
    returnTo: 'Return to', returnIt: 'Return it', returned: 'Returned. Overtime {0} min, fee {1}.',
    notifications: 'Notifications', live: 'live', offline: 'disconnected, reconnecting',
    bicyclesAvailable: 'Bicycles', docksAvailable: 'Free docks', stations: 'Stations',
    clientId: 'Client id', clientSecret: 'Client secret', addStation: 'Register station', addBicycle: 'Register bicycle',
    removeBicycle: 'Delete bicycle', id: 'Id (empty: chosen for you)', lat: 'Latitude', lon: 'Longitude',
    capacity: 'Docks', saved: 'Saved.', removed: 'Deleted.', map: 'Map of the stations',
  },
};

let current = localStorage.getItem('ttareungyi.lang') ||
  ((navigator.languages || [navigator.language]).find((l) => /^(ko|en)/i.test(l)) || 'ko').slice(0, 2).toLowerCase();

export const lang = () => current;

// An amount of won as people read it in the language: "1,000원", "1,000 KRW".
export const money = (amount) => (current === 'ko' ? `${amount.toLocaleString('ko-KR')}원` : `${amount.toLocaleString('en-US')} KRW`);

export function t(key, ...args) {
  const text = words[current][key] ?? key;
  return text.replace(/\{(\d)\}/g, (_, i) => String(args[Number(i)]));
}

// Fills every [data-t] element (and [data-t-placeholder]) with its words.
export function translate(root = document) {
  document.documentElement.lang = current;
  for (const el of root.querySelectorAll('[data-t]')) el.textContent = t(el.dataset.t);
  for (const el of root.querySelectorAll('[data-t-label]')) el.setAttribute('aria-label', t(el.dataset.tLabel));
}

export function languageSwitch(select, onChange) {
  select.value = current;
  select.addEventListener('change', () => {
    current = select.value;
    localStorage.setItem('ttareungyi.lang', current);
    translate();
    onChange();
  });
}
