// The web-chat demo: plain tim-js-sdk 2.x API calls, no tim-wasm specifics.
(function () {
  'use strict';
  var $ = function (id) { return document.getElementById(id); };
  var tim = null;
  var me = '';
  var current = '';
  var nextReqMessageID = '';
  var shown = {};

  function text(m) {
    if (m.type === TIM.TYPES.MSG_TEXT) return m.payload.text;
    if (m.type === TIM.TYPES.MSG_CUSTOM) return '[custom] ' + m.payload.data;
    return '[' + m.type + ']';
  }

  function renderMessage(m, prepend) {
    if (shown[m.ID]) return;
    shown[m.ID] = true;
    var li = document.createElement('li');
    li.className = m.flow === 'out' ? 'out' : 'in';
    li.dataset.id = m.ID;
    li.innerHTML = '<span class="from"></span><span class="body"></span><time></time>';
    li.querySelector('.from').textContent = m.from;
    li.querySelector('.body').textContent = text(m);
    li.querySelector('time').textContent = new Date(m.time * 1000).toLocaleTimeString();
    var list = $('messages');
    if (prepend) list.insertBefore(li, list.firstChild); else list.appendChild(li);
    if (!prepend) list.scrollTop = list.scrollHeight;
  }

  function renderConversations(list) {
    var ul = $('conversations');
    ul.innerHTML = '';
    list.forEach(function (c) {
      var li = document.createElement('li');
      li.dataset.id = c.conversationID;
      li.className = c.conversationID === current ? 'active' : '';
      li.innerHTML = '<b></b><span class="last"></span><span class="unread"></span>';
      li.querySelector('b').textContent = c.conversationID.replace(/^C2C/, '');
      li.querySelector('.last').textContent = c.lastMessage ? c.lastMessage.messageForShow : '';
      li.querySelector('.unread').textContent = c.unreadCount ? String(c.unreadCount) : '';
      li.onclick = function () { openConversation(c.conversationID); };
      ul.appendChild(li);
    });
  }

  function loadPage() {
    return tim.getMessageList({ conversationID: current, nextReqMessageID: nextReqMessageID || undefined, count: 15 }).then(function (r) {
      var list = r.data.messageList;
      for (var i = list.length - 1; i >= 0; i--) renderMessage(list[i], true);
      nextReqMessageID = r.data.nextReqMessageID;
      $('older-btn').hidden = r.data.isCompleted;
    });
  }

  function openConversation(id) {
    current = id;
    nextReqMessageID = '';
    shown = {};
    $('messages').innerHTML = '';
    $('peer-title').textContent = id.replace(/^C2C/, '');
    $('text').disabled = false;
    $('send-btn').disabled = false;
    loadPage().then(function () {
      return tim.setMessageRead({ conversationID: id });
    }).catch(function () { /* a new conversation has nothing to mark */ });
    tim.getConversationList().then(function (r) { renderConversations(r.data.conversationList); });
  }

  function login(userID) {
    $('login-error').textContent = '';
    fetch('dev/usersig?userID=' + encodeURIComponent(userID)).then(function (r) {
      if (!r.ok) throw new Error('the server gave no userSig (is demo mode on?)');
      return r.json();
    }).then(function (s) {
      tim = TIM.create({ SDKAppID: s.SDKAppID });
      tim.on(TIM.EVENT.SDK_READY, function () {
        document.body.dataset.ready = '1';
        tim.getConversationList().then(function (r) { renderConversations(r.data.conversationList); });
      });
      tim.on(TIM.EVENT.SDK_NOT_READY, function () { document.body.dataset.ready = ''; });
      tim.on(TIM.EVENT.CONVERSATION_LIST_UPDATED, function (e) { renderConversations(e.data); });
      tim.on(TIM.EVENT.MESSAGE_RECEIVED, function (e) {
        e.data.forEach(function (m) { if (m.conversationID === current) renderMessage(m); });
        if (current && e.data.some(function (m) { return m.conversationID === current; })) {
          tim.setMessageRead({ conversationID: current });
        }
      });
      tim.on(TIM.EVENT.NET_STATE_CHANGE, function (e) { $('net').textContent = e.data.state; });
      tim.on(TIM.EVENT.KICKED_OUT, function (e) {
        alert('Logged out: ' + e.data.type);
        location.reload();
      });
      return tim.login({ userID: userID, userSig: s.userSig });
    }).then(function () {
      me = userID;
      $('me').textContent = me;
      $('login-view').hidden = true;
      $('chat-view').hidden = false;
    }).catch(function (e) {
      $('login-error').textContent = 'Login failed: ' + (e.code ? e.code + ' ' : '') + e.message;
    });
  }

  $('login-form').onsubmit = function (e) { e.preventDefault(); login($('user-id').value.trim()); };
  $('new-chat-form').onsubmit = function (e) {
    e.preventDefault();
    var peer = $('peer-id').value.trim();
    if (peer) openConversation('C2C' + peer);
    $('peer-id').value = '';
  };
  $('older-btn').onclick = loadPage;
  $('logout-btn').onclick = function () { tim.logout().then(function () { location.reload(); }); };
  $('send-form').onsubmit = function (e) {
    e.preventDefault();
    var body = $('text').value;
    if (!body || !current) return;
    var msg = tim.createTextMessage({ to: current.replace(/^C2C/, ''), conversationType: TIM.TYPES.CONV_C2C, payload: { text: body } });
    $('text').value = '';
    tim.sendMessage(msg).then(function (r) { renderMessage(r.data.message); }, function (err) {
      alert('Send failed: ' + err.code + ' ' + err.message);
    });
  };
})();
