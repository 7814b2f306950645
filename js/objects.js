// The objects the SDK hands out, laid out as tim-js-sdk 2.x lays them out: instances of a class
// (Message, Conversation, Group, GroupMember, Profile) whose data are own enumerable properties
// and whose getters and methods are on the prototype. Apps rely on this: immer leaves class
// instances alone (an own getter makes it throw "Invalid property descriptor"), Vue 2 makes the
// own properties reactive, and `Object.keys` lists the data only.
//
// One Message object per message ID for as long as the app can reach it: the object createXxx
// returned is the one sendMessage resolves with, getMessageList lists and every event carries,
// updated in place (MESSAGE_READ_BY_PEER turns the app's own object's isPeerRead to true).
//
// Concatenated before js/facade.js by scripts/build-pkg.mjs; ES2019 (see facade.js).

function Message() {}
function Conversation() {}
function Group() {}
function GroupMember() {}
function Profile() {}
Object.defineProperty(Message.prototype, 'elements', { get: function () { return this._elements; } });
Message.prototype.getElements = function () { return this._elements; };
Object.defineProperties(Conversation.prototype, {
  toAccount: {
    get: function () {
      var id = this.conversationID;
      return id.indexOf('C2C') === 0 ? id.slice(3) : id.indexOf('GROUP') === 0 ? id.slice(5) : '';
    },
  },
  subType: { get: function () { return this.groupProfile ? this.groupProfile.type : ''; } },
});
// The setters take nothing, as tim-js-sdk's: memberCount / maxMemberCount hold the data.
Object.defineProperties(Group.prototype, {
  memberNum: { get: function () { return this.memberCount; }, set: function () {} },
  maxMemberNum: { get: function () { return this.maxMemberCount; }, set: function () {} },
});

function instanceOf(Cls, src) {
  var o = new Cls();
  for (var k in src) o[k] = src[k];
  return o;
}

// Message objects by ID. Weakly held where the runtime has WeakRef, so a message the app and the
// SDK's callers no longer reach can go; else strongly, the oldest dropped beyond a cap.
var REGISTRY_CAP = 20000;
function createRegistry() {
  var map = new Map();
  var weak = typeof WeakRef === 'function';
  var puts = 0;
  function sweep() {
    map.forEach(function (ref, id) { if (!ref.deref()) map['delete'](id); });
  }
  return {
    get: function (id) {
      var r = map.get(id);
      if (!weak || !r) return r;
      var o = r.deref();
      if (!o) map['delete'](id);
      return o;
    },
    set: function (id, o) {
      map['delete'](id);
      map.set(id, weak ? new WeakRef(o) : o);
      if (weak) {
        if (++puts % 1000 === 0) sweep();
      } else if (map.size > REGISTRY_CAP) {
        map['delete'](map.keys().next().value);
      }
    },
    clear: function () { map.clear(); },
  };
}

// Give data from the engine (parsed JSON: a result, an event's data) the classes above, reusing
// the registry's Message objects. Returns what replaces `v`.
function shapeWith(messages) {
  function message(src) {
    var id = src.ID;
    var o = id ? messages.get(id) : undefined;
    // A frozen object (Object.freeze by the app) cannot be updated: a fresh one replaces it.
    if (o && !Object.isFrozen(o)) {
      for (var k in src) o[k] = src[k];
      return o;
    }
    o = instanceOf(Message, src);
    if (id) messages.set(id, o);
    return o;
  }
  function shape(v) {
    if (!v || typeof v !== 'object') return v;
    if (Array.isArray(v)) {
      for (var i = 0; i < v.length; i++) v[i] = shape(v[i]);
      return v;
    }
    if (typeof v.ID === 'string' && typeof v.flow === 'string' && typeof v.conversationID === 'string') return message(v);
    if (typeof v.conversationID === 'string' && v.unreadCount !== undefined) {
      if (v.groupProfile && typeof v.groupProfile === 'object') v.groupProfile = instanceOf(Group, v.groupProfile);
      if (v.userProfile && typeof v.userProfile === 'object') v.userProfile = instanceOf(Profile, v.userProfile);
      return instanceOf(Conversation, v);
    }
    if (typeof v.groupID === 'string' && v.selfInfo !== undefined && v.ownerID !== undefined) return instanceOf(Group, v);
    if (typeof v.userID === 'string' && v.joinTime !== undefined && v.muteUntil !== undefined) return instanceOf(GroupMember, v);
    if (typeof v.userID === 'string' && v.allowType !== undefined && v.profileCustomField !== undefined) return instanceOf(Profile, v);
    // A wrapper ({conversationList}, {message}, {group, ...}): its members.
    for (var k in v) {
      var x = v[k];
      if (x && typeof x === 'object') v[k] = shape(x);
    }
    return v;
  }
  return shape;
}
