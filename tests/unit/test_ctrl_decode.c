/*
 * Unit tests for lp_ctrl_decode's validation: every field's wrong types,
 * missing values, both ends of each range, string limits, MACs, codes, and
 * malformed JSON. The exact error text is part of what is checked.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctrl.h"
#include "err.h"

/* Bases that decode; the cases below replace a field with ' for " in the text. */
#define HELLO_HEAD "{'type':'hello','version':1,'role':'client','datagram_budget':1200,'agent':'t',"
#define HELLO_CODE "'code':'abcdefghijklmnop',"
#define HELLO_MAC  "'mac':'02:00:00:00:00:01'"
#define HELLO	   HELLO_HEAD HELLO_CODE HELLO_MAC
#define MEMBER_GW  "{'id':1,'role':'gateway'}"
#define MEMBER_C2  "{'id':2,'role':'client','mac':'02:00:00:00:00:02'}"
#define WELCOME_HEAD                                                                               \
	"{'type':'welcome','room_id':7,'room_name':'r','mtu':1500,'stats_interval':10,"            \
	"'resume':'abcdefghijklmnopqrstuvwxyz012345',"
#define WELCOME WELCOME_HEAD "'member_id':2,'members':[" MEMBER_GW "," MEMBER_C2 "]"
#define STATS_HEAD                                                                                 \
	"{'type':'stats','rtt_us':1,'up_frames':2,'up_bytes':3,'down_frames':4,"                   \
	"'down_bytes':5,"
#define STATS	   STATS_HEAD "'members':2,'drops':{'stp':1}"
#define RANGE_2_53 "must be an integer in 0..9007199254740991"

struct dcase {
	const char *json; /* ' stands for " */
	int rc;
	const char *err; /* exact, or a prefix when it ends in '*' */
};

static const struct dcase cases[] = {
	/* valid bases, and valid edge values */
	{ HELLO "}", 0, "" },
	{ HELLO ",'unknown_field':[1,{'a':null}]}", 0, "" },
	{ HELLO_HEAD HELLO_CODE "'name':'x'}", LP_ERR_INVALID, "hello.mac: required for a client" },
	{ "{'type':'hello','version':65535,'role':'gateway','code':'abcdefghijklmnop',"
	  "'datagram_budget':65535,'agent':'t'}",
	  0, "" },
	{ "{'type':'hello','version':1,'role':'gateway','code':'abcdefghijklmnop',"
	  "'datagram_budget':1024,'agent':'t','mac':'02-AB-cd-00-00-01'}",
	  0, "" },
	{ WELCOME "}", 0, "" },
	{ "{'type':'reject','reason':'bad_code','message':''}", 0, "" },
	{ "{'type':'peer_joined','member':" MEMBER_C2 "}", 0, "" },
	{ "{'type':'peer_left','member_id':2147483647,'reason':'leaving'}", 0, "" },
	{ STATS "}", 0, "" },
	{ STATS_HEAD "'members':0,'drops':{}}", 0, "" },
	{ "{'type':'disconnect','reason':'kicked'}", 0, "" },
	{ "  {'type':'disconnect','reason':'kicked'}\n\t ", 0, "" },

	/* not JSON, not one object */
	{ "", LP_ERR_INVALID, "json: empty message" },
	{ "[]", LP_ERR_INVALID, "json: not an object" },
	{ "[{'type':'disconnect','reason':'kicked'}]", LP_ERR_INVALID, "json: not an object" },
	{ "'hello'", LP_ERR_INVALID, "json: '[' or '{' expected at byte 7" },
	{ "42", LP_ERR_INVALID, "json: '[' or '{' expected at byte 2" },
	{ "null", LP_ERR_INVALID, "json: '[' or '{' expected at byte 4" },
	{ "{'type':'disconnect','reason':'kicked'", LP_ERR_INVALID,
	  "json: '}' expected at byte 38" },
	{ "{'type':'disconnect','reason':'kicked'} x", LP_ERR_INVALID,
	  "json: end of file expected at byte 41" },
	{ "{'type':'disconnect','reason':'kicked'}{}", LP_ERR_INVALID,
	  "json: end of file expected at byte 40" },
	{ "{'type':'disconnect','reason':'kicked',}", LP_ERR_INVALID,
	  "json: string or '}' expected at byte 40" },
	{ "{'type':'disconnect','reason':'kicked','reason':'idle'}", LP_ERR_INVALID,
	  "json: duplicate object key at byte 47" },
	{ "{'type':'disconnect','type':'disconnect','reason':'kicked'}", LP_ERR_INVALID,
	  "json: duplicate object key*" },
	{ "{'type':'peer_joined','member':{'id':2,'id':3,'role':'gateway'}}", LP_ERR_INVALID,
	  "json: duplicate object key*" },
	{ "{}", LP_ERR_INVALID, "type: missing" },
	{ "{'type':1}", LP_ERR_INVALID, "type: must be a string" },
	{ "{'type':null}", LP_ERR_INVALID, "type: must be a string" },
	{ "{'type':'nope'}", LP_ERR_INVALID, "type: unknown message type \"nope\"" },
	{ "{'type':'Hello'}", LP_ERR_INVALID, "type: unknown message type" },
	{ "{'type':'he\\u001bllo'}", LP_ERR_INVALID, "type: unknown message type" },
	{ "{'type':'disconnect','reason':'kicked','message':'a\\u0000b'}", LP_ERR_INVALID,
	  "json: \\u0000 is not allowed without JSON_ALLOW_NUL at byte 59" },
	{ "{'type':'disconnect','reason':'kicked','message':'\\ud800'}", LP_ERR_INVALID,
	  "json: invalid Unicode '\\uD800'*" },
	{ "{'type':'disconnect','reason':'kicked','message':'\\udc00x'}", LP_ERR_INVALID,
	  "json: invalid Unicode '\\uDC00'*" },
	{ "{'type':'disconnect','reason':'kicked','message':'\xff'}", LP_ERR_INVALID,
	  "json: unable to decode byte 0xff at byte 50" },
	{ "{'type':'disconnect','reason':'kicked','message':'\xc0\xaf'}", LP_ERR_INVALID,
	  "json: unable to decode byte 0xc0*" },
	{ "{'type':'disconnect','reason':'kicked','message':'\xed\xa0\x80'}", LP_ERR_INVALID,
	  "json: unable to decode byte 0xed*" },
	{ "{'type':'disconnect','reason':'kicked','message':'\xe2\x82'}", LP_ERR_INVALID,
	  "json: unable to decode byte 0xe2*" },
	{ "{'type':'disconnect','reason':'kicked','message':'a\tb'}", LP_ERR_INVALID,
	  "json: control character 0x9 at byte 51" },
	{ "{'type':'disconnect','reason':'kicked','message':'a\\tb'}", LP_ERR_INVALID,
	  "disconnect.message: invalid UTF-8 or control character at byte 1" },
	{ "{'type':'disconnect','reason':'kicked','message':'\\u009b2J'}", LP_ERR_INVALID,
	  "disconnect.message: invalid UTF-8 or control character at byte 0" },
	{ "{'type':'disconnect','reason':'kicked','message':'\\u007f'}", LP_ERR_INVALID,
	  "disconnect.message: invalid UTF-8 or control character at byte 0" },
	{ "{'type':'disconnect','reason':'kicked','message':'\\ud83c\\udfae \\u00e9'}", 0, "" },

	/* hello.version */
	{ HELLO ",'version':1}", LP_ERR_INVALID, "json: duplicate object key*" },
	{ "{'type':'hello','role':'client','code':'abcdefghijklmnop','mac':'02:00:00:00:00:01',"
	  "'datagram_budget':1200,'agent':'t'}",
	  LP_ERR_INVALID, "hello.version: missing" },
	{ "{'type':'hello','version':0}", LP_ERR_INVALID,
	  "hello.version: must be an integer in 1..65535" },
	{ "{'type':'hello','version':65536}", LP_ERR_INVALID,
	  "hello.version: must be an integer in 1..65535" },
	{ "{'type':'hello','version':-1}", LP_ERR_INVALID,
	  "hello.version: must be an integer in 1..65535" },
	{ "{'type':'hello','version':1.0}", LP_ERR_INVALID,
	  "hello.version: must be an integer in 1..65535" },
	{ "{'type':'hello','version':1e0}", LP_ERR_INVALID,
	  "hello.version: must be an integer in 1..65535" },
	{ "{'type':'hello','version':'1'}", LP_ERR_INVALID,
	  "hello.version: must be an integer in 1..65535" },
	{ "{'type':'hello','version':true}", LP_ERR_INVALID,
	  "hello.version: must be an integer in 1..65535" },
	{ "{'type':'hello','version':null}", LP_ERR_INVALID,
	  "hello.version: must be an integer in 1..65535" },
	{ "{'type':'hello','version':[1]}", LP_ERR_INVALID,
	  "hello.version: must be an integer in 1..65535" },
	{ "{'type':'hello','version':4294967297}", LP_ERR_INVALID,
	  "hello.version: must be an integer in 1..65535" },
	{ "{'type':'hello','version':9223372036854775807}", LP_ERR_INVALID,
	  "hello.version: must be an integer in 1..65535" },
	{ "{'type':'hello','version':9223372036854775808}", LP_ERR_INVALID,
	  "json: too big integer*" },
	{ "{'type':'hello','version':-9223372036854775809}", LP_ERR_INVALID,
	  "json: too big negative integer*" },
	{ "{'type':'hello','version':01}", LP_ERR_INVALID, "json: invalid token*" },
	/* hello.role */
	{ "{'type':'hello','version':1}", LP_ERR_INVALID, "hello.role: missing" },
	{ "{'type':'hello','version':1,'role':'admin'}", LP_ERR_INVALID,
	  "hello.role: must be \"client\" or \"gateway\"" },
	{ "{'type':'hello','version':1,'role':'Client'}", LP_ERR_INVALID,
	  "hello.role: must be \"client\" or \"gateway\"" },
	{ "{'type':'hello','version':1,'role':1}", LP_ERR_INVALID,
	  "hello.role: must be \"client\" or \"gateway\"" },
	/* hello.code */
	{ "{'type':'hello','version':1,'role':'client'}", LP_ERR_INVALID, "hello.code: missing" },
	{ HELLO_HEAD HELLO_MAC ",'code':'abcdefghijklmno'}", LP_ERR_INVALID,
	  "hello.code: must be 16..64 characters from [A-Za-z0-9_-]" },
	{ HELLO_HEAD HELLO_MAC ",'code':'abcdefghijklmnop='}", LP_ERR_INVALID,
	  "hello.code: must be 16..64 characters from [A-Za-z0-9_-]" },
	{ HELLO_HEAD HELLO_MAC ",'code':'abcdefghijklmnop/'}", LP_ERR_INVALID,
	  "hello.code: must be 16..64 characters from [A-Za-z0-9_-]" },
	{ HELLO_HEAD HELLO_MAC ",'code':'abcdefgh\\u00e9ijklmnop'}", LP_ERR_INVALID,
	  "hello.code: must be 16..64 characters from [A-Za-z0-9_-]" },
	{ HELLO_HEAD HELLO_MAC ",'code':1234567890123456789}", LP_ERR_INVALID,
	  "hello.code: must be a string" },
	{ HELLO_HEAD HELLO_MAC ",'code':'0123456789012345678901234567890123456789012345678901234567"
			       "89abcd'}",
	  0, "" },
	{ HELLO_HEAD HELLO_MAC ",'code':'0123456789012345678901234567890123456789012345678901234567"
			       "89abcde'}",
	  LP_ERR_INVALID, "hello.code: must be 16..64 characters from [A-Za-z0-9_-]" },
	/* hello.mac */
	{ HELLO_HEAD HELLO_CODE "'mac':'03:00:00:00:00:01'}", LP_ERR_INVALID,
	  "hello.mac: not a unicast MAC address" },
	{ HELLO_HEAD HELLO_CODE "'mac':'ff:ff:ff:ff:ff:ff'}", LP_ERR_INVALID,
	  "hello.mac: not a unicast MAC address" },
	{ HELLO_HEAD HELLO_CODE "'mac':'01:80:c2:00:00:00'}", LP_ERR_INVALID,
	  "hello.mac: not a unicast MAC address" },
	{ HELLO_HEAD HELLO_CODE "'mac':'00:00:00:00:00:00'}", LP_ERR_INVALID,
	  "hello.mac: not a usable member MAC address" },
	{ HELLO_HEAD HELLO_CODE "'mac':'02:00:00:00:00'}", LP_ERR_INVALID,
	  "hello.mac: not a MAC address (aa:bb:cc:dd:ee:ff)" },
	{ HELLO_HEAD HELLO_CODE "'mac':'02:00:00:00:00:01:'}", LP_ERR_INVALID,
	  "hello.mac: not a MAC address (aa:bb:cc:dd:ee:ff)" },
	{ HELLO_HEAD HELLO_CODE "'mac':'02:00-00:00:00:01'}", LP_ERR_INVALID,
	  "hello.mac: not a MAC address (aa:bb:cc:dd:ee:ff)" },
	{ HELLO_HEAD HELLO_CODE "'mac':'0g:00:00:00:00:01'}", LP_ERR_INVALID,
	  "hello.mac: not a MAC address (aa:bb:cc:dd:ee:ff)" },
	{ HELLO_HEAD HELLO_CODE "'mac':''}", LP_ERR_INVALID,
	  "hello.mac: not a MAC address (aa:bb:cc:dd:ee:ff)" },
	{ HELLO_HEAD HELLO_CODE "'mac':2}", LP_ERR_INVALID,
	  "hello.mac: not a MAC address (aa:bb:cc:dd:ee:ff)" },
	{ HELLO_HEAD HELLO_CODE "'mac':null}", LP_ERR_INVALID,
	  "hello.mac: not a MAC address (aa:bb:cc:dd:ee:ff)" },
	/* hello.datagram_budget */
	{ "{'type':'hello','version':1,'role':'client','code':'abcdefghijklmnop',"
	  "'mac':'02:00:00:00:00:01','agent':'t'}",
	  LP_ERR_INVALID, "hello.datagram_budget: missing" },
	{ HELLO ",'datagram_budget':1023}", LP_ERR_INVALID, "json: duplicate object key*" },
	{ "{'type':'hello','version':1,'role':'client','code':'abcdefghijklmnop',"
	  "'mac':'02:00:00:00:00:01','agent':'t','datagram_budget':1023}",
	  LP_ERR_INVALID, "hello.datagram_budget: must be an integer in 1024..65535" },
	{ "{'type':'hello','version':1,'role':'client','code':'abcdefghijklmnop',"
	  "'mac':'02:00:00:00:00:01','agent':'t','datagram_budget':65536}",
	  LP_ERR_INVALID, "hello.datagram_budget: must be an integer in 1024..65535" },
	/* hello.agent */
	{ "{'type':'hello','version':1,'role':'client','code':'abcdefghijklmnop',"
	  "'mac':'02:00:00:00:00:01','datagram_budget':1200}",
	  LP_ERR_INVALID, "hello.agent: missing" },
	{ "{'type':'hello','version':1,'role':'client','code':'abcdefghijklmnop',"
	  "'mac':'02:00:00:00:00:01','datagram_budget':1200,'agent':''}",
	  LP_ERR_INVALID, "hello.agent: length 0 not in 1..64 bytes" },
	{ "{'type':'hello','version':1,'role':'client','code':'abcdefghijklmnop',"
	  "'mac':'02:00:00:00:00:01','datagram_budget':1200,"
	  "'agent':'0123456789012345678901234567890123456789012345678901234567890123'}",
	  0, "" },
	{ "{'type':'hello','version':1,'role':'client','code':'abcdefghijklmnop',"
	  "'mac':'02:00:00:00:00:01','datagram_budget':1200,"
	  "'agent':'01234567890123456789012345678901234567890123456789012345678901234'}",
	  LP_ERR_INVALID, "hello.agent: length 65 not in 1..64 bytes" },
	{ "{'type':'hello','version':1,'role':'client','code':'abcdefghijklmnop',"
	  "'mac':'02:00:00:00:00:01','datagram_budget':1200,'agent':false}",
	  LP_ERR_INVALID, "hello.agent: must be a string" },
	/* hello.name: 32 two-byte characters fit, 33 do not */
	{ HELLO ",'name':''}", LP_ERR_INVALID, "hello.name: length 0 not in 1..64 bytes" },
	{ HELLO
	  ",'name':'\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9"
	  "\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9"
	  "\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9'}",
	  0, "" },
	{ HELLO
	  ",'name':'\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9"
	  "\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9"
	  "\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9'}",
	  LP_ERR_INVALID, "hello.name: length 66 not in 1..64 bytes" },
	{ HELLO ",'name':{}}", LP_ERR_INVALID, "hello.name: must be a string" },
	{ HELLO ",'name':null}", LP_ERR_INVALID, "hello.name: must be a string" },
	{ HELLO ",'name':'a\\nb'}", LP_ERR_INVALID,
	  "hello.name: invalid UTF-8 or control character at byte 1" },
	/* hello.resume */
	{ HELLO ",'resume':'abcdefghijklmnopqrstuvwxyz01234'}", LP_ERR_INVALID,
	  "hello.resume: must be 32..64 characters from [A-Za-z0-9_-]" },
	{ HELLO ",'resume':'abcdefghijklmnopqrstuvwxyz012345'}", 0, "" },
	{ HELLO ",'resume':'abcdefghijklmnopqrstuvwxyz01234='}", LP_ERR_INVALID,
	  "hello.resume: must be 32..64 characters from [A-Za-z0-9_-]" },
	{ HELLO ",'resume':'abcdefghijklmnopqrstuvwxyz012345abcdefghijklmnopqrstuvwxyz012345'}", 0,
	  "" },
	{ HELLO ",'resume':'abcdefghijklmnopqrstuvwxyz012345abcdefghijklmnopqrstuvwxyz0123456'}",
	  LP_ERR_INVALID, "hello.resume: must be 32..64 characters from [A-Za-z0-9_-]" },
	{ HELLO ",'resume':''}", LP_ERR_INVALID,
	  "hello.resume: must be 32..64 characters from [A-Za-z0-9_-]" },
	{ HELLO ",'resume':7}", LP_ERR_INVALID, "hello.resume: must be a string" },

	/* welcome */
	{ WELCOME_HEAD "'members':[" MEMBER_GW "]}", LP_ERR_INVALID, "welcome.member_id: missing" },
	{ WELCOME_HEAD "'member_id':0,'members':[" MEMBER_GW "]}", LP_ERR_INVALID,
	  "welcome.member_id: must be an integer in 1..2147483647" },
	{ WELCOME_HEAD "'member_id':2147483648,'members':[" MEMBER_GW "]}", LP_ERR_INVALID,
	  "welcome.member_id: must be an integer in 1..2147483647" },
	{ WELCOME_HEAD "'member_id':1,'members':[" MEMBER_GW "]}", 0, "" },
	{ WELCOME_HEAD "'member_id':3,'members':[" MEMBER_GW "," MEMBER_C2 "]}", LP_ERR_INVALID,
	  "welcome.members: does not list member_id" },
	{ WELCOME_HEAD "'member_id':1}", LP_ERR_INVALID, "welcome.members: missing" },
	{ WELCOME_HEAD "'member_id':1,'members':{}}", LP_ERR_INVALID,
	  "welcome.members: must be an array" },
	{ WELCOME_HEAD "'member_id':1,'members':[]}", LP_ERR_INVALID,
	  "welcome.members: must hold 1..1024 members" },
	{ WELCOME_HEAD "'member_id':1,'members':[" MEMBER_GW ",3]}", LP_ERR_INVALID,
	  "welcome.members: element 1 must be an object" },
	{ WELCOME_HEAD "'member_id':1,'members':[{'role':'gateway'}]}", LP_ERR_INVALID,
	  "welcome.members[0].id: missing" },
	{ WELCOME_HEAD "'member_id':1,'members':[{'id':1}]}", LP_ERR_INVALID,
	  "welcome.members[0].role: missing" },
	{ WELCOME_HEAD "'member_id':1,'members':[{'id':1,'role':'guest'}]}", LP_ERR_INVALID,
	  "welcome.members[0].role: must be \"client\" or \"gateway\"" },
	{ WELCOME_HEAD "'member_id':1,'members':[" MEMBER_GW ",{'id':2,'role':'client'}]}",
	  LP_ERR_INVALID, "welcome.members[1].mac: required for a client" },
	{ WELCOME_HEAD "'member_id':1,'members':[" MEMBER_GW
		       ",{'id':2,'role':'client','mac':'01:00:00:00:00:01'}]}",
	  LP_ERR_INVALID, "welcome.members[1].mac: not a unicast MAC address" },
	{ WELCOME_HEAD "'member_id':1,'members':[" MEMBER_GW
		       ",{'id':2,'role':'client','mac':'02:00:00:00:00:02','name':''}]}",
	  LP_ERR_INVALID, "welcome.members[1].name: length 0 not in 1..64 bytes" },
	{ WELCOME_HEAD "'member_id':1,'members':[" MEMBER_GW ",{'id':1,'role':'client',"
		       "'mac':'02:00:00:00:00:02'}]}",
	  LP_ERR_INVALID, "welcome.members: id 1 listed twice" },
	{ WELCOME_HEAD "'member_id':1,'members':[" MEMBER_GW ",{'id':2,'role':'gateway'}]}",
	  LP_ERR_INVALID, "welcome.members: more than one gateway" },
	{ WELCOME_HEAD "'member_id':2,'members':[" MEMBER_C2 ",{'id':3,'role':'client',"
		       "'mac':'02:00:00:00:00:02'}]}",
	  LP_ERR_INVALID, "welcome.members: members 2 and 3 share a MAC address" },
	{ "{'type':'welcome','room_id':0}", LP_ERR_INVALID, "welcome.member_id: missing" },
	{ "{'type':'welcome','member_id':1,'room_id':0}", LP_ERR_INVALID,
	  "welcome.room_id: must be an integer in 1..9007199254740991" },
	{ "{'type':'welcome','member_id':1,'room_id':9007199254740992}", LP_ERR_INVALID,
	  "welcome.room_id: must be an integer in 1..9007199254740991" },
	{ "{'type':'welcome','member_id':1,'room_id':9007199254740991}", LP_ERR_INVALID,
	  "welcome.room_name: missing" },
	{ "{'type':'welcome','member_id':1,'room_id':1,'room_name':''}", LP_ERR_INVALID,
	  "welcome.room_name: length 0 not in 1..64 bytes" },
	{ "{'type':'welcome','member_id':1,'room_id':1,'room_name':'r','mtu':1279}", LP_ERR_INVALID,
	  "welcome.mtu: must be an integer in 1280..9000" },
	{ "{'type':'welcome','member_id':1,'room_id':1,'room_name':'r','mtu':9001}", LP_ERR_INVALID,
	  "welcome.mtu: must be an integer in 1280..9000" },
	{ "{'type':'welcome','member_id':1,'room_id':1,'room_name':'r','mtu':1280,"
	  "'members':[" MEMBER_GW "]}",
	  LP_ERR_INVALID, "welcome.resume: missing" },
	{ "{'type':'welcome','member_id':1,'room_id':1,'room_name':'r','mtu':9000,"
	  "'members':[" MEMBER_GW "],'resume':'abcdefghijklmnopqrstuvwxyz012345'}",
	  LP_ERR_INVALID, "welcome.stats_interval: missing" },
	{ "{'type':'welcome','member_id':1,'room_id':1,'room_name':'r','mtu':9000,"
	  "'members':[" MEMBER_GW "],'resume':'abcdefghijklmnopqrstuvwxyz012345',"
	  "'stats_interval':0}",
	  LP_ERR_INVALID, "welcome.stats_interval: must be an integer in 1..3600" },
	{ "{'type':'welcome','member_id':1,'room_id':1,'room_name':'r','mtu':9000,"
	  "'members':[" MEMBER_GW "],'resume':'abcdefghijklmnopqrstuvwxyz012345',"
	  "'stats_interval':3601}",
	  LP_ERR_INVALID, "welcome.stats_interval: must be an integer in 1..3600" },
	{ "{'type':'welcome','member_id':1,'room_id':1,'room_name':'r','mtu':9000,"
	  "'members':[" MEMBER_GW "],'resume':'abcdefghijklmnopqrstuvwxyz012345',"
	  "'stats_interval':3600}",
	  0, "" },

	/* reject */
	{ "{'type':'reject','message':'m'}", LP_ERR_INVALID, "reject.reason: missing" },
	{ "{'type':'reject','reason':5,'message':'m'}", LP_ERR_INVALID,
	  "reject.reason: not a reason name" },
	{ "{'type':'reject','reason':'Room_Full','message':'m'}", LP_ERR_INVALID,
	  "reject.reason: not a reason name" },
	{ "{'type':'reject','reason':'','message':'m'}", LP_ERR_INVALID,
	  "reject.reason: not a reason name" },
	{ "{'type':'reject','reason':'abcdefghijklmnopqrstuvwxyz_012345','message':'m'}",
	  LP_ERR_INVALID, "reject.reason: not a reason name" },
	{ "{'type':'reject','reason':'abcdefghijklmnopqrstuvwxyz_01234','message':'m'}", 0, "" },
	{ "{'type':'reject','reason':'room_full'}", LP_ERR_INVALID, "reject.message: missing" },
	{ "{'type':'reject','reason':'room_full','message':null}", LP_ERR_INVALID,
	  "reject.message: must be a string" },
	{ "{'type':'reject','reason':'room_full','message':'','limit':-1}", LP_ERR_INVALID,
	  "reject.limit: must be an integer in 0..2147483647" },
	{ "{'type':'reject','reason':'room_full','message':'','limit':2147483648}", LP_ERR_INVALID,
	  "reject.limit: must be an integer in 0..2147483647" },
	{ "{'type':'reject','reason':'room_full','message':'','count':'16'}", LP_ERR_INVALID,
	  "reject.count: must be an integer in 0..2147483647" },
	{ "{'type':'reject','reason':'room_full','message':'','limit':0,'count':2147483647}", 0,
	  "" },
	{ "{'type':'reject','reason':'rate_limited','message':'','retry_after':0}", LP_ERR_INVALID,
	  "reject.retry_after: must be an integer in 1..86400" },
	{ "{'type':'reject','reason':'rate_limited','message':'','retry_after':86401}",
	  LP_ERR_INVALID, "reject.retry_after: must be an integer in 1..86400" },
	{ "{'type':'reject','reason':'rate_limited','message':'','retry_after':86400}", 0, "" },

	/* peer_joined, peer_left */
	{ "{'type':'peer_joined'}", LP_ERR_INVALID, "peer_joined.member: missing" },
	{ "{'type':'peer_joined','member':[]}", LP_ERR_INVALID,
	  "peer_joined.member: must be an object" },
	{ "{'type':'peer_joined','member':{'id':0,'role':'gateway'}}", LP_ERR_INVALID,
	  "peer_joined.member.id: must be an integer in 1..2147483647" },
	{ "{'type':'peer_joined','member':{'id':9,'role':'client'}}", LP_ERR_INVALID,
	  "peer_joined.member.mac: required for a client" },
	{ "{'type':'peer_left','reason':'idle'}", LP_ERR_INVALID, "peer_left.member_id: missing" },
	{ "{'type':'peer_left','member_id':0,'reason':'idle'}", LP_ERR_INVALID,
	  "peer_left.member_id: must be an integer in 1..2147483647" },
	{ "{'type':'peer_left','member_id':1}", LP_ERR_INVALID, "peer_left.reason: missing" },
	{ "{'type':'peer_left','member_id':1,'reason':'idle!'}", LP_ERR_INVALID,
	  "peer_left.reason: not a reason name" },

	/* stats */
	{ STATS_HEAD "'members':2}", LP_ERR_INVALID, "stats.drops: missing" },
	{ STATS_HEAD "'drops':{}}", LP_ERR_INVALID, "stats.members: missing" },
	{ STATS_HEAD "'members':1025,'drops':{}}", LP_ERR_INVALID,
	  "stats.members: must be an integer in 0..1024" },
	{ STATS_HEAD "'members':-1,'drops':{}}", LP_ERR_INVALID,
	  "stats.members: must be an integer in 0..1024" },
	{ "{'type':'stats','rtt_us':-1}", LP_ERR_INVALID, "stats.rtt_us: " RANGE_2_53 },
	{ "{'type':'stats','rtt_us':1.5}", LP_ERR_INVALID, "stats.rtt_us: " RANGE_2_53 },
	{ "{'type':'stats','rtt_us':0,'up_frames':9007199254740992}", LP_ERR_INVALID,
	  "stats.up_frames: " RANGE_2_53 },
	{ "{'type':'stats','rtt_us':0,'up_frames':0,'up_bytes':9007199254740992}", LP_ERR_INVALID,
	  "stats.up_bytes: " RANGE_2_53 },
	{ "{'type':'stats','rtt_us':0,'up_frames':0,'up_bytes':0,'down_frames':-5}", LP_ERR_INVALID,
	  "stats.down_frames: " RANGE_2_53 },
	{ "{'type':'stats','rtt_us':0,'up_frames':0,'up_bytes':0,'down_frames':0,"
	  "'down_bytes':18446744073709551615}",
	  LP_ERR_INVALID, "json: too big integer*" },
	{ "{'type':'stats','rtt_us':9007199254740991,'up_frames':9007199254740991,"
	  "'up_bytes':9007199254740991,'down_frames':9007199254740991,"
	  "'down_bytes':9007199254740991,'members':1024,'drops':{'x':9007199254740991}}",
	  0, "" },
	{ STATS_HEAD "'members':2,'drops':[]}", LP_ERR_INVALID, "stats.drops: must be an object" },
	{ STATS_HEAD "'members':2,'drops':{'Stp':1}}", LP_ERR_INVALID,
	  "stats.drops: reason name must match [a-z][a-z0-9_]{0,31}" },
	{ STATS_HEAD "'members':2,'drops':{'':1}}", LP_ERR_INVALID,
	  "stats.drops: reason name must match [a-z][a-z0-9_]{0,31}" },
	{ STATS_HEAD "'members':2,'drops':{'_x':1}}", LP_ERR_INVALID,
	  "stats.drops: reason name must match [a-z][a-z0-9_]{0,31}" },
	{ STATS_HEAD "'members':2,'drops':{'abcdefghijklmnopqrstuvwxyz_012345':1}}", LP_ERR_INVALID,
	  "stats.drops: reason name must match [a-z][a-z0-9_]{0,31}" },
	{ STATS_HEAD "'members':2,'drops':{'stp':-1}}", LP_ERR_INVALID,
	  "stats.drops.stp: " RANGE_2_53 },
	{ STATS_HEAD "'members':2,'drops':{'stp':'1'}}", LP_ERR_INVALID,
	  "stats.drops.stp: " RANGE_2_53 },
	{ STATS_HEAD "'members':2,'drops':{'stp':9007199254740992}}", LP_ERR_INVALID,
	  "stats.drops.stp: " RANGE_2_53 },
	{ STATS_HEAD "'members':2,'drops':{'stp':1,'stp':2}}", LP_ERR_INVALID,
	  "json: duplicate object key*" },

	/* disconnect */
	{ "{'type':'disconnect'}", LP_ERR_INVALID, "disconnect.reason: missing" },
	{ "{'type':'disconnect','reason':null}", LP_ERR_INVALID,
	  "disconnect.reason: not a reason name" },
	{ "{'type':'disconnect','reason':'kicked','message':''}", LP_ERR_INVALID,
	  "disconnect.message: length 0 not in 1..256 bytes" },
	{ "{'type':'disconnect','reason':'kicked','message':3}", LP_ERR_INVALID,
	  "disconnect.message: must be a string" },
};

static size_t from_quotes(const char *src, uint8_t *dst, size_t size)
{
	size_t n = strlen(src);
	assert_true(n <= size);
	for (size_t i = 0; i < n; i++)
		dst[i] = src[i] == '\'' ? '"' : (uint8_t)src[i];
	return n;
}

static bool err_matches(const char *got, const char *want)
{
	size_t wl = strlen(want);
	if (wl && want[wl - 1] == '*')
		return strncmp(got, want, wl - 1) == 0;
	return strcmp(got, want) == 0;
}

static void test_decode_table(void **state)
{
	(void)state;
	static uint8_t json[2048];
	size_t bad = 0;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct lp_ctrl_msg m;
		char err[256] = "untouched";
		size_t len = from_quotes(cases[i].json, json, sizeof(json));
		int rc = lp_ctrl_decode(json, len, &m, err, sizeof(err));
		/* Report every mismatch, not only the first. */
		if (rc != cases[i].rc || !err_matches(err, cases[i].err)) {
			print_error("case %zu: %s\n  got rc %d \"%s\"\n want rc %d \"%s\"\n", i,
				    cases[i].json, rc, err, cases[i].rc, cases[i].err);
			bad++;
			lp_ctrl_msg_free(&m);
			continue;
		}
		if (rc == 0) {
			/* What decodes also re-encodes, and the same again. */
			static uint8_t out[LP_CTRL_HDR_LEN + LP_CTRL_MAX];
			ssize_t n = lp_ctrl_encode(&m, out, sizeof(out));
			assert_true(n > 0);
			struct lp_ctrl_msg again;
			assert_int_equal(lp_ctrl_decode(out + 4, (size_t)n - 4, &again, NULL, 0),
					 0);
			assert_true(lp_ctrl_msg_equal(&m, &again));
			lp_ctrl_msg_free(&again);
		} else {
			/* A failed decode leaves nothing to free. */
			assert_int_equal(m.type, 0);
		}
		lp_ctrl_msg_free(&m);
	}
	assert_int_equal(bad, 0);
}

/* Lists at and over their limits, built here as they are too long for the table. */
static void test_decode_list_limits(void **state)
{
	(void)state;
	static char json[LP_CTRL_MAX + 1];
	char err[128];
	struct lp_ctrl_msg m;
	int n = snprintf(json, sizeof(json), "%s",
			 "{\"type\":\"welcome\",\"member_id\":1,\"room_id\":1,\"room_name\":\"r\","
			 "\"mtu\":1500,\"stats_interval\":1,"
			 "\"resume\":\"abcdefghijklmnopqrstuvwxyz012345\",\"members\":[");
	for (int i = 1; i <= LP_CTRL_MAX_MEMBERS + 1; i++)
		n += snprintf(json + n, sizeof(json) - (size_t)n,
			      "%s{\"id\":%d,\"role\":\"client\",\"mac\":\"02:00:00:00:%02x:%02x\"}",
			      i > 1 ? "," : "", i, i >> 8, i & 0xff);
	n += snprintf(json + n, sizeof(json) - (size_t)n, "]}");
	assert_true((size_t)n < LP_CTRL_MAX);
	assert_int_equal(lp_ctrl_decode((uint8_t *)json, (size_t)n, &m, err, sizeof(err)),
			 LP_ERR_INVALID);
	assert_string_equal(err, "welcome.members: must hold 1..1024 members");

	/* Drop the last member: 1024 decode. */
	char *last = strrchr(json, '{');
	memcpy(last - 1, "]}", 3);
	n = (int)strlen(json);
	assert_int_equal(lp_ctrl_decode((uint8_t *)json, (size_t)n, &m, err, sizeof(err)), 0);
	assert_int_equal(m.welcome.n_members, LP_CTRL_MAX_MEMBERS);
	assert_int_equal(m.welcome.members[1023].id, 1024);
	lp_ctrl_msg_free(&m);

	n = snprintf(json, sizeof(json), "%s",
		     "{\"type\":\"stats\",\"rtt_us\":1,\"up_frames\":2,\"up_bytes\":3,"
		     "\"down_frames\":4,\"down_bytes\":5,\"members\":1,\"drops\":{");
	for (int i = 0; i < LP_CTRL_MAX_DROPS; i++)
		n += snprintf(json + n, sizeof(json) - (size_t)n, "%s\"d%d\":%d", i ? "," : "", i,
			      i);
	assert_int_equal(lp_ctrl_decode((uint8_t *)json, (size_t)n, &m, err, sizeof(err)),
			 LP_ERR_INVALID); /* not closed yet: "}}" missing */
	memcpy(json + n, "}}", 3);
	assert_int_equal(lp_ctrl_decode((uint8_t *)json, (size_t)n + 2, &m, err, sizeof(err)), 0);
	assert_int_equal(m.stats.n_drops, LP_CTRL_MAX_DROPS);
	memcpy(json + n, ",\"d99\":1}}", 11);
	assert_int_equal(lp_ctrl_decode((uint8_t *)json, strlen(json), &m, err, sizeof(err)),
			 LP_ERR_INVALID);
	assert_string_equal(err, "stats.drops: more than 32 entries");
}

static void test_decode_sizes(void **state)
{
	(void)state;
	static uint8_t json[LP_CTRL_MAX + 1];
	struct lp_ctrl_msg m;
	char err[128];

	/* Exactly LP_CTRL_MAX bytes: padded with whitespace, still decodes. */
	static const char body[] = "{\"type\":\"disconnect\",\"reason\":\"idle\"}";
	memset(json, ' ', sizeof(json));
	memcpy(json, body, strlen(body));
	assert_int_equal(lp_ctrl_decode(json, LP_CTRL_MAX, &m, err, sizeof(err)), 0);
	assert_int_equal(m.disconnect.reason, LP_DISCONNECT_IDLE);
	assert_int_equal(lp_ctrl_decode(json, LP_CTRL_MAX + 1, &m, err, sizeof(err)),
			 LP_ERR_TOO_BIG);
	assert_string_equal(err, "json: message over 65536 bytes");
	assert_int_equal(lp_ctrl_decode(json, 0, &m, err, sizeof(err)), LP_ERR_INVALID);
	assert_int_equal(lp_ctrl_decode(NULL, 5, &m, err, sizeof(err)), LP_ERR_INVALID);
	assert_int_equal(lp_ctrl_decode(json, 5, NULL, err, sizeof(err)), LP_ERR_INVALID);

	/* Deep nesting in an ignored field is refused by jansson's depth limit. */
	size_t depth = 3000, n = 0;
	n += (size_t)snprintf((char *)json, sizeof(json), "{\"type\":\"disconnect\",\"x\":");
	memset(json + n, '[', depth);
	n += depth;
	memset(json + n, ']', depth);
	n += depth;
	memcpy(json + n, ",\"reason\":\"idle\"}", 17);
	n += 17;
	assert_int_equal(lp_ctrl_decode(json, n, &m, err, sizeof(err)), LP_ERR_INVALID);
	assert_true(strncmp(err, "json: maximum parsing depth reached", 35) == 0);
}

/* Error text may be cut short, and never quotes a secret. */
static void test_decode_error_text(void **state)
{
	(void)state;
	struct lp_ctrl_msg m;
	char err[128];
	static const char broken[] =
		"{\"type\":\"hello\",\"code\":\"SeCrEtCoDe0123456789\xff\",\"version\":1}";
	assert_int_equal(
		lp_ctrl_decode((const uint8_t *)broken, strlen(broken), &m, err, sizeof(err)),
		LP_ERR_INVALID);
	assert_null(strstr(err, "SeCrEt"));
	assert_null(strstr(err, "near"));

	static const char token[] = "{\"type\":\"hello\",\"code\":SeCrEtCoDe0123456789}";
	assert_int_equal(
		lp_ctrl_decode((const uint8_t *)token, strlen(token), &m, err, sizeof(err)),
		LP_ERR_INVALID);
	assert_string_equal(err, "json: invalid token at byte 33");

	static const char bad[] = "{\"type\":\"hello\",\"version\":1,\"role\":\"client\","
				  "\"code\":\"SeCrEtCoDe0123456789=\"}";
	assert_int_equal(lp_ctrl_decode((const uint8_t *)bad, strlen(bad), &m, err, sizeof(err)),
			 LP_ERR_INVALID);
	assert_null(strstr(err, "SeCrEt"));

	char tiny[8];
	assert_int_equal(lp_ctrl_decode((const uint8_t *)bad, strlen(bad), &m, tiny, sizeof(tiny)),
			 LP_ERR_INVALID);
	assert_string_equal(tiny, "hello.c");
	assert_int_equal(lp_ctrl_decode((const uint8_t *)bad, strlen(bad), &m, tiny, 1),
			 LP_ERR_INVALID);
	assert_string_equal(tiny, "");
	assert_int_equal(lp_ctrl_decode((const uint8_t *)bad, strlen(bad), &m, NULL, 100),
			 LP_ERR_INVALID);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decode_table),
		cmocka_unit_test(test_decode_list_limits),
		cmocka_unit_test(test_decode_sizes),
		cmocka_unit_test(test_decode_error_text),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
