// The web-chat demo: plain tim-js-sdk 2.x API calls, no tim-wasm specifics.
(function () {
  'use strict';
  var $ = function (id) { return document.getElementById(id); };
  var tim = null;
  var me = '';
  var current = '';
  var nextReqMessageID = '';
  var shown = {};

  var TIPS = { 1: 'joined', 2: 'left', 3: 'was removed', 4: 'is now an admin', 5: 'is no longer an admin', 6: 'changed the group profile', 7: 'member info changed' };

  function text(m) {
    if (m.type === TIM.TYPES.MSG_TEXT) return m.payload.text;
    if (m.type === TIM.TYPES.MSG_CUSTOM) return m.payload.data === 'group_create' ? m.from + ' created the group' : '[custom] ' + m.payload.data;
    if (m.type === TIM.TYPES.MSG_GRP_TIP) return m.payload.userIDList.join(', ') + ' ' + (TIPS[m.payload.operationType] || 'group event');
    if (m.type === TIM.TYPES.MSG_GRP_SYS_NOTICE) return 'group ' + m.payload.groupProfile.groupID + ': notice ' + m.payload.operationType;
    return '[' + m.type + ']';
  }

  // The title of a conversation: the group's name, else its ID; the peer's ID for one-to-one.
  function title(c) {
    if (c.type === TIM.TYPES.CONV_GROUP) return (c.groupProfile && c.groupProfile.name) || c.conversationID.replace(/^GROUP/, '');
    if (c.type === TIM.TYPES.CONV_SYSTEM) return 'System notices';
    return c.conversationID.replace(/^C2C/, '');
  }

  function renderMessage(m, prepend) {
    if (shown[m.ID]) return;
    shown[m.ID] = true;
    var li = document.createElement('li');
    var tip = m.type === TIM.TYPES.MSG_GRP_TIP || m.type === TIM.TYPES.MSG_GRP_SYS_NOTICE ||
      (m.type === TIM.TYPES.MSG_CUSTOM && m.payload.data === 'group_create');
    li.className = tip ? 'tip' : m.flow === 'out' ? 'out' : 'in';
    li.dataset.id = m.ID;
    li.innerHTML = '<span class="from"></span><span class="body"></span><time></time>';
    li.querySelector('.from').textContent = tip ? '' : m.nameCard || m.nick || m.from;
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
      li.querySelector('b').textContent = title(c);
      li.querySelector('.last').textContent = c.lastMessage ? c.lastMessage.messageForShow : '';
      li.querySelector('.unread').textContent = c.unreadCount ? String(c.unreadCount) : '';
      titles[c.conversationID] = title(c);
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

  var titles = {};

  function openConversation(id, name) {
    current = id;
    nextReqMessageID = '';
    shown = {};
    $('messages').innerHTML = '';
    $('peer-title').textContent = name || titles[id] || id.replace(/^(C2C|GROUP)/, '');
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
  // Groups: create a Public group anyone may join, or join one by its ID.
  $('group-form').onsubmit = function (e) {
    e.preventDefault();
    var name = $('group-name').value.trim();
    if (!name) return;
    tim.createGroup({ type: TIM.TYPES.GRP_PUBLIC, name: name, joinOption: TIM.TYPES.JOIN_OPTIONS_FREE_ACCESS }).then(function (r) {
      $('group-name').value = '';
      openConversation('GROUP' + r.data.group.groupID, r.data.group.name + ' (' + r.data.group.groupID + ')');
    }, function (err) { alert('Create failed: ' + err.code + ' ' + err.message); });
  };
  $('join-group-btn').onclick = function () {
    var id = $('group-name').value.trim();
    if (!id) return;
    tim.joinGroup({ groupID: id }).then(function (r) {
      $('group-name').value = '';
      if (r.data.status === TIM.TYPES.JOIN_STATUS_WAIT_APPROVAL) { alert('Request sent; waiting for approval'); return; }
      openConversation('GROUP' + id, r.data.group ? r.data.group.name : id);
    }, function (err) { alert('Join failed: ' + err.code + ' ' + err.message); });
  };
  $('older-btn').onclick = loadPage;
  $('logout-btn').onclick = function () { tim.logout().then(function () { location.reload(); }); };
  $('send-form').onsubmit = function (e) {
    e.preventDefault();
    var body = $('text').value;
    if (!body || !current) return;
    var group = current.indexOf('GROUP') === 0;
    var msg = tim.createTextMessage({
      to: current.replace(/^(C2C|GROUP)/, ''),
      conversationType: group ? TIM.TYPES.CONV_GROUP : TIM.TYPES.CONV_C2C,
      payload: { text: body },
    });
    $('text').value = '';
    tim.sendMessage(msg).then(function (r) { renderMessage(r.data.message); }, function (err) {
      alert('Send failed: ' + err.code + ' ' + err.message);
    });
  };
})();
